"""Untrusted text in, checked text out: prompt delimiting, reply validation, content checks.

Reviews are data: `format_movie_data` escapes them so no review can close the `<movie_data>`
delimiter or smuggle markup. A reply is parsed and filtered (tags and genres outside the
vocabularies dropped and counted) before the pydantic schema decides; an invalid reply raises
`ReplyError`, whose message is what the provider is told on its one retry. `check_content`
flags offensive or misrepresentative text before anything is published.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from trending_now.config import SafetyParams
from trending_now.enrich.inputs import MovieInput
from trending_now.enrich.schema import EnrichmentContent, split_sentences
from trending_now.enrich.vocabulary import genre_names, tag_names

# A small wordlist: profanity and slurs that must not appear in published, generated text.
OFFENSIVE_WORDS = frozenset(
    {
        "asshole",
        "bastard",
        "bitch",
        "bullshit",
        "cunt",
        "dick",
        "dickhead",
        "fag",
        "faggot",
        "fuck",
        "fucked",
        "fucker",
        "fucking",
        "motherfucker",
        "nigga",
        "nigger",
        "piss",
        "retard",
        "retarded",
        "shit",
        "shitty",
        "slut",
        "spic",
        "tranny",
        "twat",
        "wanker",
        "whore",
    }
)
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_MARKUP = re.compile(r"<\s*/?\s*[a-z!]|javascript:|&lt;|\{\s*\"", re.IGNORECASE)
_INJECTION = re.compile(
    r"\b(?:ignore|disregard|forget)\b.{0,30}\b(?:instructions?|prompts?|rules)\b"
    r"|\bsystem prompt\b|\bdeveloper mode\b|\byou are now\b|\bas an ai\b|\bjailbreak",
    re.IGNORECASE,
)
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.IGNORECASE)
_STOPWORDS = frozenset(
    {
        "a",
        "also",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "film",
        "films",
        "for",
        "from",
        "has",
        "have",
        "he",
        "her",
        "his",
        "i",
        "in",
        "is",
        "it",
        "its",
        "just",
        "more",
        "most",
        "movie",
        "movies",
        "not",
        "of",
        "on",
        "one",
        "or",
        "she",
        "so",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "to",
        "very",
        "was",
        "were",
        "which",
        "who",
        "will",
        "with",
        "you",
        "your",
    }
)


class ReplyError(ValueError):
    """A provider reply that cannot be used; the message says why (and is sent on the retry)."""

    def __init__(self, message: str, *, dropped_tags: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.dropped_tags = tuple(dropped_tags)


@dataclass(frozen=True)
class CheckedReply:
    """A reply that passed validation, and what was dropped on the way."""

    content: EnrichmentContent
    dropped_tags: tuple[str, ...]
    dropped_genres: tuple[str, ...]


def escape_untrusted(text: str) -> str:
    """Text safe to place between prompt delimiters: `<`, `>` and `&` escaped."""
    return html.escape(text, quote=False)


def format_movie_data(movie: MovieInput) -> dict[str, str]:
    """The prompt's data fields (title, overview, reviews), every one escaped."""
    reviews = [
        f'<review n="{n}" source="{escape_untrusted(r.source)}" rating="{_rating(r.rating)}">'
        f"{escape_untrusted(r.text)}</review>"
        for n, r in enumerate(movie.reviews, start=1)
    ]
    return {
        "title": escape_untrusted(movie.title),
        "overview": escape_untrusted(movie.overview),
        "reviews": "\n".join(reviews) or "(no reviews)",
    }


def _rating(value: float | None) -> str:
    """A rating as prompt text ("none" when missing)."""
    return "none" if value is None else f"{value:g}/10"


def parse_reply(text: str) -> dict[str, Any]:
    """The JSON object in a reply (a Markdown fence around it is tolerated)."""
    try:
        data = json.loads(_FENCE.sub("", text.strip()))
    except json.JSONDecodeError as exc:
        raise ReplyError(f"the reply is not valid JSON ({exc.msg} at char {exc.pos})") from exc
    if not isinstance(data, dict):
        raise ReplyError(f"the reply must be a JSON object, got {type(data).__name__}")
    return data


def check_reply(text: str) -> CheckedReply:
    """Parse, drop out-of-vocabulary tags and genres, then validate against the schema."""
    data = parse_reply(text)
    tags, dropped_tags = _filter_terms(data.get("vibe_tags"), tag_names())
    genres, dropped_genres = _filter_terms(data.get("llm_genres"), genre_names())
    data = {**data, "vibe_tags": tags, "llm_genres": genres}
    try:
        content = EnrichmentContent.model_validate(data)
    except ValidationError as exc:
        notes = f" (dropped tags not in the vocabulary: {dropped_tags})" if dropped_tags else ""
        raise ReplyError(_describe(exc) + notes, dropped_tags=dropped_tags) from exc
    return CheckedReply(content, tuple(dropped_tags), tuple(dropped_genres))


def _filter_terms(values: Any, allowed: list[str]) -> tuple[Any, list[str]]:
    """(known terms, dropped terms); case and spacing are forgiven, repeats removed."""
    if not isinstance(values, list):
        return values, []
    by_key = {_key(name): name for name in allowed}
    kept: list[str] = []
    dropped: list[str] = []
    for value in values:
        name = by_key.get(_key(value)) if isinstance(value, str) else None
        if name is None:
            dropped.append(str(value)[:60])
        elif name not in kept:
            kept.append(name)
    return kept, dropped


def _key(value: str) -> str:
    """A lenient lookup key: lower case, spaces and underscores as hyphens."""
    return re.sub(r"[\s_]+", "-", value.strip().lower())


def _describe(exc: ValidationError) -> str:
    """One line per schema error: `field: message`."""
    parts = [f"{'.'.join(str(p) for p in e['loc']) or 'reply'}: {e['msg']}" for e in exc.errors()]
    return "the reply does not match the schema: " + "; ".join(parts)


def check_content(
    content: EnrichmentContent,
    movie: MovieInput,
    *,
    ratings: float | None,
    params: SafetyParams,
) -> list[str]:
    """Reasons to withhold generated text (empty = publishable)."""
    flags = []
    if offensive := offensive_words(content.summary):
        flags.append(f"offensive: {', '.join(sorted(offensive))}")
    if _MARKUP.search(content.summary):
        flags.append("markup in summary")
    if looks_like_injection(content.summary):
        flags.append("instruction-like text in summary")
    unsupported = unsupported_sentences(content.summary, movie.source_text, params)
    if unsupported:
        flags.append(f"unsupported summary: {len(unsupported)} sentence(s) not in the source")
    if ratings is not None and abs(content.vibe_score - ratings) > params.max_score_gap:
        flags.append(f"vibe score {content.vibe_score} far from the ratings ({ratings:.1f})")
    return flags


def offensive_words(text: str) -> set[str]:
    """The wordlist entries `text` contains (whole words, any case)."""
    return {w for w in _WORD.findall(text.lower()) if w in OFFENSIVE_WORDS}


def looks_like_injection(text: str) -> bool:
    """True when `text` reads like an instruction to a model (prompt-injection cues)."""
    return bool(_INJECTION.search(text))


def unsupported_sentences(summary: str, source: str, params: SafetyParams) -> list[str]:
    """Summary sentences whose content words are mostly absent from the source text."""
    known = set(_content_words(source))
    unsupported = []
    for sentence in split_sentences(summary):
        words = _content_words(sentence)
        if words and sum(w in known for w in words) / len(words) < params.min_summary_support:
            unsupported.append(sentence)
    return unsupported


def _content_words(text: str) -> list[str]:
    """Lower-case words of three letters or more, stop words removed, crude plural stripping."""
    words = (w.rstrip("s") for w in _WORD.findall(text.lower()) if len(w) > 2)
    return [w for w in words if w not in _STOPWORDS]
