"""Train every genre model on the FULL shipped snapshot (full mode) and record test-split F1.

Usage: .venv/bin/python bench/train_full.py [--tracker none|wandb|mlflow] [--work-dir var/bench]
Writes bench/results/train_full.json. Model selection and thresholds use the validation split
only; the test split is scored once, at the end, as in the pipeline.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import platform
import time
from pathlib import Path

from trending_now.config import get_settings, load_params
from trending_now.features import run_stage as features_stage
from trending_now.features.snapshot import load_snapshot
from trending_now.io import atomic_write_json, atomic_write_parquet
from trending_now.tracking import get_tracker
from trending_now.train import run_stage as train_stage

log = logging.getLogger("bench.train_full")
RESULT = Path(__file__).parent / "results" / "train_full.json"


def _parse() -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracker", choices=["none", "wandb", "mlflow"], default="none")
    parser.add_argument("--work-dir", type=Path, default=Path("var/bench/train_full"))
    return parser.parse_args()


def main() -> None:
    """Snapshot -> validated-schema tables -> features -> train + one test evaluation."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    args = _parse()
    settings = get_settings()
    params = load_params(settings.params_path)
    work = args.work_dir
    movies, reviews = load_snapshot(settings.snapshot_path)
    atomic_write_parquet(work / "validated" / "movies.parquet", movies)
    atomic_write_parquet(work / "validated" / "reviews.parquet", reviews)
    features = features_stage(
        validated_dir=work / "validated",
        out_dir=work / "features",
        params=params.features,
        seed=params.seed,
    )
    started = time.monotonic()
    result = train_stage(
        features_dir=work / "features",
        models_dir=work / "models",
        metrics_dir=work / "metrics",
        plots_dir=work / "plots",
        params=params.train,
        evaluate_params=params.evaluate,
        seed=params.seed,
        tracker=get_tracker(args.tracker, settings.var_path),
        repo_dir=settings.project_dir,
    )
    models = {
        name: {
            "test_micro_f1": round(report.overall.micro_f1, 4),
            "test_macro_f1": round(report.overall.macro_f1, 4),
            "valid_macro_f1_at_tuned_thresholds": round(result.valid_macro_f1[name], 4),
            "fit_seconds": round(result.seconds[name], 1),
        }
        for name, report in result.test_reports.items()
    }
    xgb_meta = json.loads((result.model_dirs["genre-xgb"] / "meta.json").read_text())
    record = {
        "data": {
            "snapshot_sha256": hashlib.sha256(settings.snapshot_path.read_bytes()).hexdigest(),
            "movies": len(movies),
            "splits": features.split_counts,
            "genres": features.labels.genres,
            "excluded_genres": features.labels.excluded,
        },
        "params_sha256": hashlib.sha256(settings.params_path.read_bytes()).hexdigest(),
        "fast_mode": params.train.fast.enabled,
        "seed": params.seed,
        "models": models,
        "xgb_minus_logreg_macro_f1_points": round(
            100
            * (models["genre-xgb"]["test_macro_f1"] - models["baseline-logreg"]["test_macro_f1"]),
            2,
        ),
        "xgb_selected": {
            k: xgb_meta["params"][k]
            for k in (
                "max_depth",
                "learning_rate",
                "n_estimators",
                "features_per_genre",
                "colsample_bytree",
                "subsample",
                "min_child_weight",
                "reg_lambda",
            )
        },
        "xgb_search_trials": len(xgb_meta["search"]["trials"]),
        "xgb_search_cut_by_budget": xgb_meta["search"]["cut_by_budget"],
        "train_stage_seconds": round(time.monotonic() - started, 1),
        "machine": {"python": platform.python_version(), "cpus": _cpus()},
    }
    atomic_write_json(RESULT, record)
    log.info("wrote %s: %s", RESULT, json.dumps(models))


def _cpus() -> int:
    """CPUs this process may use."""
    return len(os.sched_getaffinity(0))


if __name__ == "__main__":
    main()
