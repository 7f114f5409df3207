"""The embedded provider's logic with a small deterministic encoder (real model: integration)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence

import numpy as np

from tests.utils.enrich import HOSTILE_REVIEWS, make_input
from trending_now.config import EmbeddedParams
from trending_now.enrich.providers import ProviderRequest
from trending_now.enrich.providers.embedded import (
    EmbeddedProvider,
    candidate_sentences,
    central_sentences,
    pick_top,
)
from trending_now.enrich.safety import check_reply


def bag_of_words(texts: Sequence[str]) -> np.ndarray:
    """Hashed bag-of-words vectors, L2-normalised: similar words, similar vectors."""
    out = np.zeros((len(texts), 256), dtype=np.float32)
    for row, text in enumerate(texts):
        for word in re.findall(r"[a-z]+", text.lower()):
            out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % 256] += 1  # noqa: S324
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms == 0, 1, norms)


def provider() -> EmbeddedProvider:
    return EmbeddedProvider(EmbeddedParams(), vote_weight=0.5, encoder=bag_of_words)


REVIEWS = (
    "This horror film is terrifying, with ghosts and a creepy haunted house. I loved it.",
    "Truly scary horror with monsters and dread in every scene of the haunted house.",
    "The ghosts are scary and the haunted house is creepy and full of dread.",
    "Spoiler: the mother dies at the end, which ruins it.",
    "Short.",
    "This is shit and a waste of my evening, honestly, do not watch it.",
)


def test_reply_passes_the_schema_and_is_labelled() -> None:
    embedded = provider()
    reply = embedded.complete(ProviderRequest(make_input(1, *REVIEWS)))
    checked = check_reply(reply.text)
    assert checked.dropped_tags == () and reply.usage.calls == 1 and reply.usage.cost_usd == 0
    assert (embedded.name, embedded.uses_prompt) == ("embedded", False)
    assert 3 <= len(checked.content.vibe_tags) <= 6
    assert "dies" not in checked.content.summary and "shit" not in checked.content.summary


def test_candidates_skip_spoilers_offensive_short_and_markup() -> None:
    candidates = candidate_sentences(make_input(1, *REVIEWS, *HOSTILE_REVIEWS), EmbeddedParams())
    joined = " ".join(candidates)
    assert candidates and "dies" not in joined and "shit" not in joined
    assert "<" not in joined and "{" not in joined and "Short." not in candidates
    assert all(40 <= len(c) <= 240 for c in candidates)


def test_central_sentences_skip_near_duplicates_and_keep_order() -> None:
    vectors = bag_of_words(
        ["ghosts haunted house", "ghosts haunted house", "a b c", "ghosts house"]
    )
    assert central_sentences(vectors, 2, max_redundancy=0.99) == [0, 3]


def test_pick_top_respects_margin_and_bounds() -> None:
    names = ["a", "b", "c", "d", "e"]
    scores = np.array([0.9, 0.1, 0.88, 0.5, 0.2])
    assert pick_top(names, scores, 0.05, 1, 3) == ["a", "c"]
    assert pick_top(names, scores, 0.05, 3, 6) == ["a", "c", "d"]
    assert pick_top(names, scores, 1.0, 1, 2) == ["a", "c"]


def test_vibe_score_follows_the_ratings() -> None:
    embedded = provider()
    low = make_input(1, *REVIEWS[:3], vote_average=2.0)
    low = make_input(
        1, reviews=tuple(r.__class__(r.review_id, r.source, r.text, 2.0) for r in low.reviews),
        vote_average=2.0,
    )  # fmt: skip
    high = make_input(2, *REVIEWS[:3], vote_average=9.5)
    score = {m.movie_id: json.loads(embedded.complete(ProviderRequest(m)).text)["vibe_score"]
             for m in (low, high)}  # fmt: skip
    assert score[1] <= 4 and score[2] >= 7


def test_overview_fills_in_when_reviews_have_no_quotable_sentences() -> None:
    reply = provider().complete(ProviderRequest(make_input(1, "Meh.", "ok")))
    assert check_reply(reply.text).content.summary.startswith("A detective hunts a killer")
