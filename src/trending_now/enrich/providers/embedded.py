"""The embedded provider: the same output schema from the movie's own text, with no network.

- vibe tags and genres: zero-shot matching of the movie (overview + review sentences, encoded by
  the packaged all-MiniLM-L6-v2 sentence encoder) against the vocabularies' descriptions;
- summary: extractive, the 2-3 most central review sentences (cleaned; sentences with markup,
  offensive words or spoiler cues are never candidates), in review order;
- vibe score: the review ratings (TMDb and IMDb) and TMDb's vote average, blended with a
  sentiment signal (similarity to positive vs negative review anchors).
Outputs are labelled provider="embedded". The vocabulary embeddings are computed once per
provider instance; the encoder is injectable so tests can run the logic without the model.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Sequence

import numpy as np

from trending_now.config import EmbeddedParams
from trending_now.enrich.inputs import MovieInput, rating_score
from trending_now.enrich.providers import ProviderReply, ProviderRequest, Usage
from trending_now.enrich.safety import looks_like_injection, offensive_words
from trending_now.enrich.schema import MAX_TAGS, MIN_TAGS, split_sentences
from trending_now.enrich.vocabulary import TMDB_GENRES, VIBE_TAGS, VOCABULARY_VERSION

PROVIDER_NAME = "embedded"
METHOD_VERSION = f"embedded-v1+vocab-{VOCABULARY_VERSION}"  # the prompt version of this provider
MODEL_NAME = "all-MiniLM-L6-v2"

Encoder = Callable[[Sequence[str]], np.ndarray]
"""texts -> (n, d) float array of L2-normalised embeddings."""

_GENERIC_FILM = (
    "This movie is a film with actors, a plot and scenes.",
    "I watched this film and here is my review of the story and the acting.",
)
_POSITIVE = (
    "A brilliant, wonderful movie that I loved.",
    "One of the best films I have ever seen, a masterpiece.",
    "Great acting, a great story, highly recommended.",
)
_NEGATIVE = (
    "A terrible, boring movie that I hated.",
    "One of the worst films I have ever seen, a waste of time.",
    "Awful acting, a stupid story, avoid it.",
)
_SPOILER = re.compile(r"\bspoil|\bthe ending\b|\bends with\b|\bdies\b|\bkilled\b|\btwist\b", re.I)
_NOISE = re.compile(r"[<>{}\[\]|@#*_=]|https?:|\[url\]|\[email\]")
_SENTENCE_SHAPE = re.compile(r"^[\"'(]?[A-Z].*[.!?][\"')]?$", re.DOTALL)
_SENTIMENT_SCALE = 8.0  # logistic slope on (positive - negative) similarity


class EmbeddedProvider:
    """Zero-shot tags and genres, extractive summary, ratings-based vibe score."""

    name = PROVIDER_NAME
    model = MODEL_NAME
    version = METHOD_VERSION
    uses_prompt = False
    retries_invalid = False  # deterministic: a retry would give the same reply
    max_concurrency = 1  # CPU-bound; torch already uses the configured threads

    def __init__(
        self, params: EmbeddedParams, *, vote_weight: float, encoder: Encoder | None = None
    ) -> None:
        self.params = params
        self.vote_weight = vote_weight
        self.fingerprint = f"{METHOD_VERSION}:{params.model_dump_json()}:vote={vote_weight}"
        self._encoder = encoder
        self._vocab: dict[str, np.ndarray] | None = None
        self._lock = threading.Lock()

    def complete(self, request: ProviderRequest) -> ProviderReply:
        """An enrichment of the request's movie as a JSON reply (one local "call")."""
        movie = request.movie
        candidates = candidate_sentences(movie, self.params)
        overview = movie.overview or movie.title
        with self._lock:
            vocab = self._vocabulary()
            vectors = self._encode([overview, *candidates])
        doc = _unit(vectors[0] + vectors[1:].mean(axis=0)) if candidates else vectors[0]
        tag_scores = vocab["tags"] @ doc - self.params.tag_anchor_weight * vocab["tag_offset"]
        reply = {
            "summary": self._summary(overview, candidates, vectors[1:]),
            "vibe_score": self._vibe_score(movie, vectors[1:], vocab),
            "vibe_tags": pick_top(
                [t.name for t in VIBE_TAGS], tag_scores, self.params.tag_margin, MIN_TAGS, MAX_TAGS
            ),
            "llm_genres": pick_top(
                [g.name for g in TMDB_GENRES],
                vocab["genres"] @ doc,
                self.params.genre_margin,
                1,
                self.params.max_genres,
            ),
        }
        return ProviderReply(text=json.dumps(reply), usage=Usage(calls=1))

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        """Normalised embeddings (the encoder is loaded on first use)."""
        if self._encoder is None:
            self._encoder = load_encoder(self.params)
        return self._encoder(texts)

    def _vocabulary(self) -> dict[str, np.ndarray]:
        """Embeddings of the tag and genre descriptions and the anchors, computed once."""
        if self._vocab is None:
            tags = self._encode([f"{t.name.replace('-', ' ')}: {t.description}" for t in VIBE_TAGS])
            generic = _unit(self._encode(list(_GENERIC_FILM)).mean(axis=0))
            self._vocab = {
                "tags": tags,
                "tag_offset": tags @ generic,
                "genres": self._encode([g.description for g in TMDB_GENRES]),
                "positive": _unit(self._encode(list(_POSITIVE)).mean(axis=0)),
                "negative": _unit(self._encode(list(_NEGATIVE)).mean(axis=0)),
            }
        return self._vocab

    def _summary(self, overview: str, candidates: list[str], vectors: np.ndarray) -> str:
        """The most central candidates (2-3, in review order); the overview fills a shortfall."""
        chosen = central_sentences(
            vectors, self.params.summary_sentences, max_redundancy=self.params.max_redundancy
        )
        picked = [candidates[i] for i in chosen]
        if len(picked) < 2:
            picked = (split_sentences(overview) + picked)[: self.params.summary_sentences]
        return " ".join(picked)

    def _vibe_score(
        self, movie: MovieInput, vectors: np.ndarray, vocab: dict[str, np.ndarray]
    ) -> int:
        """1-10: ratings blended with review sentiment (sentiment alone when there are none)."""
        ratings = rating_score(movie, vote_weight=self.vote_weight)
        if len(vectors) == 0:
            return round(ratings) if ratings is not None else 5
        gap = float(np.mean(vectors @ vocab["positive"] - vectors @ vocab["negative"]))
        sentiment = 1 + 9 / (1 + np.exp(-_SENTIMENT_SCALE * gap))
        w = self.params.sentiment_weight
        value = sentiment if ratings is None else (1 - w) * ratings + w * sentiment
        return int(min(10, max(1, round(float(value)))))


def candidate_sentences(movie: MovieInput, params: EmbeddedParams) -> list[str]:
    """Clean, self-contained review sentences fit to quote, a few per review, in review order."""
    found: list[str] = []
    for review in movie.reviews:
        taken = 0
        for paragraph in review.text.split("\n"):
            for sentence in split_sentences(paragraph):
                if taken < params.sentences_per_review and _quotable(sentence, params):
                    found.append(sentence)
                    taken += 1
        if len(found) >= params.max_sentences:
            break
    return found[: params.max_sentences]


def _quotable(sentence: str, params: EmbeddedParams) -> bool:
    """Right length and shape; no markup, spoiler cues, offensive words or injection cues."""
    return (
        params.min_sentence_chars <= len(sentence) <= params.max_sentence_chars
        and bool(_SENTENCE_SHAPE.match(sentence))
        and len(split_sentences(sentence)) == 1
        and not _NOISE.search(sentence)
        and not _SPOILER.search(sentence)
        and not offensive_words(sentence)
        and not looks_like_injection(sentence)
    )


def central_sentences(vectors: np.ndarray, k: int, *, max_redundancy: float) -> list[int]:
    """Indices (ascending) of up to `k` sentences closest to the centroid, skipping near-repeats."""
    if len(vectors) == 0:
        return []
    centrality = vectors @ _unit(vectors.mean(axis=0))
    chosen: list[int] = []
    for index in np.argsort(-centrality, kind="stable"):
        if all(float(vectors[index] @ vectors[j]) < max_redundancy for j in chosen):
            chosen.append(int(index))
        if len(chosen) == k:
            break
    return sorted(chosen)


def pick_top(
    names: Sequence[str], scores: np.ndarray, margin: float, at_least: int, at_most: int
) -> list[str]:
    """Names scoring within `margin` of the best, best first, between at_least and at_most."""
    order = np.argsort(-scores, kind="stable")
    best = float(scores[order[0]])
    within = sum(1 for i in order if float(scores[i]) >= best - margin)
    count = min(at_most, max(at_least, within))
    return [names[i] for i in order[:count]]


def _unit(vector: np.ndarray) -> np.ndarray:
    """`vector` scaled to length 1 (unchanged when zero)."""
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


def load_encoder(params: EmbeddedParams) -> Encoder:
    """The packaged sentence encoder (local files only, CPU) as an Encoder."""
    import importlib
    import os

    # The weights ship inside a Python package: nothing may reach for the Hugging Face hub.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(params.torch_threads)
    package = importlib.import_module(params.pretrained_package)
    model = SentenceTransformer(str(package.get_model_path()), device="cpu", local_files_only=True)

    def encode(texts: Sequence[str]) -> np.ndarray:
        vectors = model.encode(
            list(texts),
            batch_size=params.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    return encode
