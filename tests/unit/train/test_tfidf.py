"""Word and character n-gram TF-IDF features."""

from __future__ import annotations

import numpy as np

from trending_now.config import TfidfParams
from trending_now.train.tfidf import make_vectorizer

TEXTS = ["the ghost screams at night", "a funny joke about a ghost", "night of the funny ghost"]


def test_word_only_when_char_features_are_off() -> None:
    vectorizer = make_vectorizer(TfidfParams(min_df=1, char_max_features=0, word_ngram_max=1))
    x = vectorizer.fit_transform(TEXTS)
    assert [name for name, _ in vectorizer.transformer_list] == ["word"]
    assert x.shape[1] == len(vectorizer.transformer_list[0][1].vocabulary_)
    assert x.dtype == np.float32


def test_char_ngrams_add_columns_up_to_their_cap() -> None:
    params = TfidfParams(min_df=1, char_max_features=25, char_ngram_min=2, char_ngram_max=3)
    x = make_vectorizer(params).fit_transform(TEXTS)
    words = make_vectorizer(params.model_copy(update={"char_max_features": 0})).fit_transform(TEXTS)
    assert x.shape[1] == words.shape[1] + 25
