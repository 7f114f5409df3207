"""Text cleaning and one document per movie: the same code for training, predict and serving."""

from __future__ import annotations

import html
import re
import unicodedata

import pandas as pd

Documents = pd.DataFrame
"""One row per movie: id, text (cleaned document), plus metadata columns used for slices."""

DOCUMENT_SEPARATOR = "\n\n"

_LINE_BREAK_TAG = re.compile(r"<\s*br\s*/?\s*>|<\s*/\s*(?:p|div|li)\s*>", re.IGNORECASE)
# A tag starts with a letter (or /letter): "a < b" and "<3" are text, not tags.
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_MD_LINK = re.compile(r"\[([^\]\n]+)\]\((?:[^()\s]+)\)")
_MD_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", re.DOTALL)
_MD_EM_STAR = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])")
_MD_EM_UNDERSCORE = re.compile(r"(?<![\w_])_(?=[^\s_])([^_\n]+?)(?<=[^\s_])_(?![\w_])")
_INLINE_SPACE = re.compile(r"[^\S\n]+")
_SPACE_AROUND_NEWLINE = re.compile(r" *\n *")
_MANY_NEWLINES = re.compile(r"\n{3,}")

# created_at sorts after every real date when missing (IMDb reviews have none).
_MISSING_DATE = pd.Timestamp.max.tz_localize("UTC")


def clean_text(text: str) -> str:
    """Plain text: HTML tags and entities gone (`<br />` = newline), Markdown emphasis removed."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _LINE_BREAK_TAG.sub("\n", text)
    text = html.unescape(_HTML_TAG.sub("", text))
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_STRONG.sub(r"\2", text)
    text = _MD_EM_STAR.sub(r"\1", text)
    text = _MD_EM_UNDERSCORE.sub(r"\1", text)
    return normalise_whitespace(text)


def normalise_whitespace(text: str) -> str:
    """One space between words, no blanks around line breaks, at most one empty line in a row."""
    text = _INLINE_SPACE.sub(" ", text)
    text = _SPACE_AROUND_NEWLINE.sub("\n", text)
    return _MANY_NEWLINES.sub("\n\n", text).strip()


def truncate_text(text: str, max_chars: int) -> str:
    """`text` cut to at most `max_chars` characters, at a word boundary when there is one."""
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    space = cut.rfind(" ")
    return (cut[:space] if space > max_chars // 2 else cut).rstrip()


def order_reviews(reviews: pd.DataFrame) -> pd.DataFrame:
    """Reviews in the deterministic document order: source, then created_at, then review_id."""
    created = pd.to_datetime(reviews["created_at"], utc=True).fillna(_MISSING_DATE)
    keyed = reviews.assign(_created=created)
    ordered = keyed.sort_values(["movie_id", "source", "_created", "review_id"], kind="mergesort")
    return ordered.drop(columns="_created")


def build_documents(
    movies_df: pd.DataFrame,
    reviews_df: pd.DataFrame,
    *,
    max_review_chars: int,
    max_reviews: int | None = None,
) -> Documents:
    """One cleaned document per movie (title, overview, reviews) with its slice metadata."""
    review_texts = _review_texts(reviews_df, max_review_chars=max_review_chars)
    rows = []
    columns = (movies_df[c].tolist() for c in ("id", "title", "overview"))
    for movie_id, title, overview in zip(*columns, strict=True):
        reviews = review_texts.get(int(movie_id), [])[:max_reviews]
        parts = [clean_text(_or_empty(title)), clean_text(_or_empty(overview)), *reviews]
        rows.append({"id": int(movie_id), "text": DOCUMENT_SEPARATOR.join(p for p in parts if p)})
    docs = pd.DataFrame(rows, columns=["id", "text"]).astype({"id": "int64"})
    return docs.merge(_metadata(movies_df), on="id", how="left", validate="one_to_one")


def _or_empty(value: object) -> str:
    """A text field as a string; missing values become empty."""
    return value if isinstance(value, str) else ""


def _review_texts(reviews_df: pd.DataFrame, *, max_review_chars: int) -> dict[int, list[str]]:
    """Cleaned, truncated, non-empty review texts per movie id, in document order."""
    texts: dict[int, list[str]] = {}
    if reviews_df.empty:
        return texts
    ordered = order_reviews(reviews_df)
    pairs = zip(ordered["movie_id"].tolist(), ordered["content"].tolist(), strict=True)
    for movie_id, content in pairs:
        cleaned = truncate_text(clean_text(_or_empty(content)), max_review_chars)
        if cleaned:
            texts.setdefault(int(movie_id), []).append(cleaned)
    return texts


def _metadata(movies_df: pd.DataFrame) -> pd.DataFrame:
    """Slice metadata per movie: genres, language, release year and decade, popularity."""
    released = pd.to_datetime(movies_df["release_date"], errors="coerce")
    year = released.dt.year.astype("Int64")
    genres = movies_df["genres"] if "genres" in movies_df else pd.Series([[]] * len(movies_df))
    return pd.DataFrame(
        {
            "id": movies_df["id"].astype("int64").to_numpy(),
            "genres": [list(g) if g is not None else [] for g in genres],
            "original_language": movies_df["original_language"].astype("string").to_numpy(),
            "release_year": year.to_numpy(),
            "decade": (year // 10 * 10).to_numpy(),
            "popularity": movies_df["popularity"].astype("float64").to_numpy(),
        }
    )
