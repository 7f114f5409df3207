"""Every path of the project, named once and built from `Settings` (where the checkout and its
data and working directories are).

Stages never spell a project path: a task entry builds `Paths` from the settings it was given and
passes the directories a stage reads and writes as arguments. `dvc.yaml` names the same
directories for DVC; `tests/unit/test_paths.py` holds the two together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trending_now.config import Settings

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Paths:
    """The project's directories and files; `root` is the checkout (a DVC and git workspace)."""

    root: Path
    data: Path
    var: Path
    params: Path

    @classmethod
    def from_settings(cls, settings: Settings) -> Paths:
        """The paths of the checkout `settings` describe (relative settings under its root)."""
        return cls(
            root=settings.project_dir,
            data=settings.data_path,
            var=settings.var_path,
            params=settings.params_path,
        )

    # data/: what DVC versions (the shipped snapshot is in git)
    @property
    def raw(self) -> Path:
        """`data/raw/<run id>/`: the raw responses of each ingest run."""
        return self.data / "raw"

    @property
    def raw_dvc(self) -> Path:
        """`data/raw.dvc`: `dvc add data/raw` records the raw data's version here."""
        return self.data / "raw.dvc"

    @property
    def validated(self) -> Path:
        """`data/validated/`: rows that passed the data contract, and its report."""
        return self.data / "validated"

    @property
    def quarantine(self) -> Path:
        """`data/quarantine/`: rows the contract refused, each with its reason."""
        return self.data / "quarantine"

    @property
    def features(self) -> Path:
        """`data/features/`: one document per movie, the label set and the split."""
        return self.data / "features"

    @property
    def enriched(self) -> Path:
        """`data/enriched/`: summaries, vibe scores, tags and LLM genres per movie."""
        return self.data / "enriched"

    @property
    def enrich_cache(self) -> Path:
        """`data/cache/enrich.sqlite3`: provider answers by content hash (re-runs make no calls)."""
        return self.data / "cache" / "enrich.sqlite3"

    # models, their metrics and plots, and the governance records (small, committed per version)
    @property
    def models(self) -> Path:
        """`models/<name>/`: each trained model (a DVC output)."""
        return self.root / "models"

    @property
    def metrics(self) -> Path:
        """`metrics/<name>.json`: each model's test-split report (DVC metrics)."""
        return self.root / "metrics"

    @property
    def plots(self) -> Path:
        """`plots/<name>/`: per-genre F1 and confusion pairs (DVC plots)."""
        return self.root / "plots"

    @property
    def governance(self) -> Path:
        """`governance/`: card texts, cards, gate decisions, the ML Test Score."""
        return self.root / "governance"

    @property
    def prompts(self) -> Path:
        """`prompts/`: the prompt templates, published to Secrets Manager."""
        return self.root / "prompts"

    @property
    def dvc_lock(self) -> Path:
        """`dvc.lock`: the hashes of every DVC stage's inputs and outputs."""
        return self.root / "dvc.lock"

    @property
    def is_git(self) -> bool:
        """The checkout is a git repository (the registry's home)."""
        return (self.root / ".git").exists()

    # var/: working state, never versioned
    @property
    def audit_log(self) -> Path:
        """`var/audit/audit.jsonl`: the hash-chained audit log."""
        return self.var / "audit" / "audit.jsonl"

    @property
    def model_cache(self) -> Path:
        """`var/models/`: registered versions fetched from the DVC remote."""
        return self.var / "models"

    @property
    def embedding_cache(self) -> Path:
        """`var/cache/embeddings/`: MiniLM document vectors by content hash."""
        return self.var / "cache" / "embeddings"

    @property
    def monitor(self) -> Path:
        """`var/monitor/`: drift reports, the Evidently workspace, latest.json."""
        return self.var / "monitor"

    @property
    def reproduce(self) -> Path:
        """`var/reproduce/`: worktrees of `make reproduce`."""
        return self.var / "reproduce"

    @property
    def tracking(self) -> Path:
        """`var/`: the trackers write under it (`wandb/`, `mlruns/`)."""
        return self.var

    @property
    def logs(self) -> Path:
        """`var/log/`: one log file per local service."""
        return self.var / "log"


def safe_run_id(run_id: str) -> str:
    """A run id usable as one path component (Airflow's contain ':' and '+')."""
    cleaned = _UNSAFE.sub("-", run_id).strip("-.")
    if not cleaned:
        raise ValueError(f"run id {run_id!r} has no usable characters")
    return cleaned[:120]
