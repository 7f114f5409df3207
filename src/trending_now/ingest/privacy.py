"""Reviewer privacy at ingest: pseudonymous author hashes and scrubbed review text.

Author names never reach disk: `author` / `author_details.username` become a salted HMAC, the
display name and avatar are dropped, and e-mail addresses and links inside the review text are
replaced by `[email]` / `[url]` placeholders (reviews often link to the critic's own blog).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

EMAIL_PLACEHOLDER = "[email]"
URL_PLACEHOLDER = "[url]"
_DROPPED_AUTHOR_FIELDS = ("name", "username", "avatar_path")

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# A bare URL runs to the next whitespace/quote/bracket; trailing punctuation is peeled off after.
_URL = re.compile(r"(?<![\w.])(?:https?://|www\.)[^\s<>\"'\[\]]+", re.IGNORECASE)
_URL_TAIL = ".,;:!?)"
# <a href="...">text</a>, any attribute order, text may span lines.
_HTML_LINK = re.compile(r"<a\b[^>]*\bhref\s*=[^>]*>(.*?)</a\s*>", re.IGNORECASE | re.DOTALL)
# [text](url "optional title") and the <url> autolink form.
_MD_LINK = re.compile(r"\[([^\]]*)\]\(\s*<?(?:https?://|www\.)[^)\s>]*>?(?:\s+\"[^\"]*\")?\s*\)")
_AUTOLINK = re.compile(r"<(?:https?://|www\.)[^>\s]+>", re.IGNORECASE)


def pseudonymise(name: str, salt: str) -> str:
    """First 16 hex digits of HMAC-SHA256(salt, name): stable per salt, not reversible."""
    digest = hmac.new(salt.encode("utf-8"), name.encode("utf-8"), hashlib.sha256)
    return digest.hexdigest()[:16]


def _link_text(match: re.Match[str]) -> str:
    """A link becomes its visible text followed by `[url]` (just `[url]` if the text is a URL)."""
    text = _scrub_bare(match.group(1)).strip()
    return URL_PLACEHOLDER if text in ("", URL_PLACEHOLDER) else f"{text} {URL_PLACEHOLDER}"


def _peel_url(match: re.Match[str]) -> str:
    """Replace one bare URL, keeping sentence punctuation that followed it."""
    url = match.group(0)
    stripped = url.rstrip(_URL_TAIL)
    return URL_PLACEHOLDER + url[len(stripped) :]


def _scrub_bare(text: str) -> str:
    """Replace bare e-mail addresses and URLs (no link markup)."""
    return _URL.sub(_peel_url, _EMAIL.sub(EMAIL_PLACEHOLDER, text))


def scrub_text(text: str) -> str:
    """Replace e-mail addresses with `[email]` and URLs (bare, Markdown, HTML) with `[url]`."""
    text = _HTML_LINK.sub(_link_text, text)
    text = _MD_LINK.sub(_link_text, text)
    text = _AUTOLINK.sub(URL_PLACEHOLDER, text)
    return _scrub_bare(text)


def _author_key(review: dict[str, Any]) -> str | None:
    """The identity to hash: `author`, else `author_details.username`, else nothing."""
    details = review.get("author_details")
    username = details.get("username") if isinstance(details, dict) else None
    for candidate in (review.get("author"), username):
        if isinstance(candidate, str) and candidate:
            return candidate
    return None


def sanitise_review(review: dict[str, Any], salt: str) -> dict[str, Any]:
    """A copy of a TMDb review with the author pseudonymised and the content scrubbed."""
    key = _author_key(review)
    clean = {k: v for k, v in review.items() if k != "author"}
    clean["author_hash"] = pseudonymise(key, salt) if key is not None else None
    details = review.get("author_details")
    if isinstance(details, dict):
        clean["author_details"] = {
            k: v for k, v in details.items() if k not in _DROPPED_AUTHOR_FIELDS
        }
    if isinstance(review.get("content"), str):
        clean["content"] = scrub_text(review["content"])
    return clean
