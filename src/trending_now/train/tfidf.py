"""TF-IDF text features: word n-grams plus optional character n-grams."""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from trending_now.config import TfidfParams


def make_vectorizer(params: TfidfParams) -> FeatureUnion:
    """An unfitted word (+ char_wb) TF-IDF vectoriser; float32 output for the boosters."""
    parts: list[tuple[str, TfidfVectorizer]] = [
        (
            "word",
            TfidfVectorizer(
                analyzer="word",
                ngram_range=(1, params.word_ngram_max),
                max_features=params.word_max_features,
                min_df=params.min_df,
                sublinear_tf=params.sublinear_tf,
                strip_accents="unicode",
                stop_words="english",
                dtype=np.float32,
            ),
        )
    ]
    if params.char_max_features > 0:
        parts.append(
            (
                "char",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(params.char_ngram_min, params.char_ngram_max),
                    max_features=params.char_max_features,
                    min_df=params.min_df,
                    sublinear_tf=params.sublinear_tf,
                    dtype=np.float32,
                ),
            )
        )
    return FeatureUnion(parts)
