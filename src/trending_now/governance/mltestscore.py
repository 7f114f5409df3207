"""`trending mltestscore`: the ML Test Score rubric (Breck et al., 2017) scored for this repo.

28 tests, 7 per section (data, model, infrastructure, monitoring). Each is mapped to what
implements it here: test files (`tests/...`), pipeline code (`src/...`, `dags/...`, with an
optional `::name` that must be defined in that file), gate checks (`gate:<check>`, a
`check_<check>` function of governance/checks.py) or documents (`docs/...`, `bench/...`).
Score: 1 point when a check runs automatically (in `make test` or in every pipeline run) and
fails when the property breaks; 0.5 when it is manual or documented only; 0 when nothing
implements it. A section scores the sum of its tests; the final score is the minimum section.
`missing_references` lists every reference that does not exist: a test keeps it empty, so the
mapping cannot silently rot when a file is renamed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from trending_now.io import atomic_write_text, write_json

PAPER = (
    "E. Breck, S. Cai, E. Nielsen, M. Salib, D. Sculley: The ML Test Score: A Rubric for ML "
    "Production Readiness and Technical Debt Reduction. IEEE Big Data 2017."
)
SECTIONS = ("data", "model", "infrastructure", "monitoring")


@dataclass(frozen=True)
class RubricTest:
    """One test of the rubric, what implements it here, and whether that runs by itself."""

    id: str
    title: str
    implemented_by: tuple[str, ...]
    automated: bool
    how: str
    gaps: str = ""

    @property
    def score(self) -> float:
        if not self.implemented_by:
            return 0.0
        return 1.0 if self.automated else 0.5


@dataclass(frozen=True)
class Rubric:
    """The 28 tests, by section."""

    sections: dict[str, tuple[RubricTest, ...]] = field(default_factory=dict)


GOV = "tests/integration/test_governance_gate.py"

RUBRIC = Rubric(
    sections={
        "data": (
            RubricTest(
                "data-1",
                "Feature expectations are captured in a schema",
                (
                    "src/trending_now/validate/contracts.py",
                    "tests/unit/validate/test_contracts.py",
                    "tests/integration/test_ingest_validate.py",
                    "gate:data_contract",
                ),
                True,
                "The data contract runs at every ingest; above the quarantine limit the "
                "validate stage fails and the gate blocks promotion.",
            ),
            RubricTest(
                "data-2",
                "All features are beneficial",
                ("src/trending_now/train/xgb.py::select_columns", "bench/train_full.py"),
                False,
                "chi2 keeps each genre's most informative TF-IDF columns; the full-data "
                "benchmark compares feature sets (prior, TF-IDF linear, boosted, stacked).",
                "No automated ablation that fails when a feature group stops helping.",
            ),
            RubricTest(
                "data-3",
                "No feature's cost is too much",
                ("gate:serving", "bench/train_full.py"),
                False,
                "The gate bounds the whole serving path's latency per movie (features "
                "included); training time per model is benchmarked.",
                "Cost is measured for the feature pipeline as a whole, not per feature.",
            ),
            RubricTest(
                "data-4",
                "Features adhere to meta-level requirements",
                (
                    "tests/unit/ingest/test_privacy.py",
                    "tests/unit/features/test_text.py",
                    "tests/unit/features/test_split.py",
                ),
                True,
                "Reviewer identity is pseudonymised before anything is stored; documents "
                "are built from overview and review text only; splits are grouped by movie "
                "(no leakage), each property asserted by a test.",
            ),
            RubricTest(
                "data-5",
                "The data pipeline has appropriate privacy controls",
                (
                    "tests/unit/ingest/test_privacy.py",
                    "tests/unit/tracking/test_base.py",
                    "tests/unit/test_audit.py",
                ),
                True,
                "Salted pseudonyms at ingest; secrets scrubbed from tracked run configs "
                "and redacted from the audit log, each with a test that fails on a leak.",
            ),
            RubricTest(
                "data-6",
                "New features can be added quickly",
                ("dvc.yaml", "params.yaml", "src/trending_now/features/text.py"),
                False,
                "A feature is a change to the features stage and its params block; DVC "
                "re-runs only the stages that depend on it.",
                "Documented process only; no measured lead time.",
            ),
            RubricTest(
                "data-7",
                "All input feature code is tested",
                (
                    "tests/unit/features/test_text.py",
                    "tests/unit/features/test_stage.py",
                    "tests/unit/features/test_labels.py",
                    "tests/unit/features/test_split.py",
                    "tests/unit/features/test_snapshot.py",
                    "tests/unit/train/test_tfidf.py",
                ),
                True,
                "Every module of the features stage and the TF-IDF vectoriser has tests.",
            ),
        ),
        "model": (
            RubricTest(
                "model-1",
                "Model specs are reviewed and submitted",
                (
                    "tests/unit/registry/test_versions.py",
                    "src/trending_now/registry/versions.py::register",
                    "governance/card_text/genre-xgb.yaml",
                    "gate:card",
                ),
                False,
                "Every version commits params.yaml, dvc.lock, metrics and its card (a "
                "test checks what a version commit holds); the card's human text is reviewed.",
                "Review itself is a human step (pull requests), not enforced by a check.",
            ),
            RubricTest(
                "model-2",
                "Offline and online metrics correlate",
                (),
                False,
                "No online quality signal exists (no user feedback or clicks).",
                "Nothing to correlate with: the web app records no interactions.",
            ),
            RubricTest(
                "model-3",
                "All hyperparameters have been tuned",
                (
                    "tests/unit/train/test_xgb.py::test_search_records_every_trial_and_keeps_the_best",
                    "tests/unit/train/test_base.py",
                ),
                False,
                "XGBoost's 8 hyperparameters are random-searched and per-genre "
                "thresholds tuned on validation, with tests.",
                "TF-IDF, stacking and BERT hyperparameters are set by hand.",
            ),
            RubricTest(
                "model-4",
                "The impact of model staleness is known",
                ("gate:data_age", "src/trending_now/monitor/decision.py::model_age_days"),
                False,
                "The gate refuses training data older than max_data_age_days and "
                "monitoring reports the model's age.",
                "The quality decay with age has not been measured; the limit is a policy.",
            ),
            RubricTest(
                "model-5",
                "A simpler model is not better",
                ("gate:baseline", GOV),
                True,
                "The gate blocks a candidate that does not beat TF-IDF + logistic regression "
                "by baseline_margin; a planted weak model is blocked in a test.",
            ),
            RubricTest(
                "model-6",
                "Model quality is sufficient on important data slices",
                ("gate:slices", "src/trending_now/evaluate/metrics.py::slice_reports", GOV),
                True,
                "Language, decade and popularity slices: minimum F1 and maximum gap in "
                "the gate; an unfair model is blocked in a test.",
            ),
            RubricTest(
                "model-7",
                "The model is tested for considerations of inclusion",
                (
                    "gate:slices",
                    "src/trending_now/governance/enrichment.py::fairness",
                    "tests/unit/governance/test_enrichment.py",
                    GOV,
                ),
                True,
                "Non-English films are a slice with limits; generated vibe scores and tags "
                "are compared across languages and review sources before publishing.",
            ),
        ),
        "infrastructure": (
            RubricTest(
                "infra-1",
                "Training is reproducible",
                (
                    "gate:reproducibility",
                    "tests/integration/test_registry_reproduce.py",
                    GOV,
                    "tests/unit/train/test_xgb.py::test_same_seed_gives_identical_predictions",
                ),
                True,
                "Every candidate is refitted at the gate and must match; `make "
                "reproduce` rebuilds a tag from the DVC remote in a test.",
            ),
            RubricTest(
                "infra-2",
                "Model specs are unit tested",
                (
                    "tests/unit/train/test_xgb.py",
                    "tests/unit/train/test_models.py",
                    "tests/unit/train/test_baselines.py",
                    "tests/unit/train/test_bert.py",
                ),
                True,
                "Each model family learns planted signal, round-trips save/load, is seeded.",
            ),
            RubricTest(
                "infra-3",
                "The ML pipeline is integration tested",
                (
                    "tests/dags/test_train_dag_run.py",
                    "tests/dags/test_ingest_dag_run.py",
                    "tests/integration/test_cli_pipeline.py",
                ),
                True,
                "`airflow dags test` runs ingest and train (gate, register, promote "
                "included) on real data through real DVC.",
            ),
            RubricTest(
                "infra-4",
                "Model quality is validated before serving",
                (
                    "gate:quality",
                    "gate:champion",
                    "src/trending_now/publish/__init__.py::_model",
                    GOV,
                ),
                True,
                "Only a version the gate promoted is in `prod`, and publish serves `prod`.",
            ),
            RubricTest(
                "infra-5",
                "The model is debuggable",
                (
                    "src/trending_now/governance/explain.py::explain_xgb",
                    "tests/integration/test_registry_reproduce.py",
                    GOV,
                ),
                True,
                "`trending predict --model name@version` on any movie, and SHAP values of "
                "sample movies in every card (a test checks they are there).",
            ),
            RubricTest(
                "infra-6",
                "Models are canaried before serving",
                ("gate:serving",),
                False,
                "The gate loads the model through the serving code and predicts a sample.",
                "An offline canary only: no share of live traffic goes to a new model first.",
            ),
            RubricTest(
                "infra-7",
                "Serving models can be rolled back",
                (
                    GOV,
                    "tests/unit/publish/test_publish.py",
                    "src/trending_now/registry/versions.py::rollback_stage",
                ),
                True,
                "`trending models rollback` returns `prod` to the previous version (a "
                "test restores it); publish keeps the previous serving build.",
            ),
        ),
        "monitoring": (
            RubricTest(
                "monitor-1",
                "Dependency changes result in notification",
                (".github/workflows/ci.yml", "tests/unit/test_ci_workflow.py"),
                False,
                "uv.lock pins every dependency; CI runs lint and tests on every change to it.",
                "No notification of upstream releases or of changes in the source API.",
            ),
            RubricTest(
                "monitor-2",
                "Data invariants hold for inputs",
                (
                    "tests/integration/test_ingest_validate.py",
                    "gate:data_contract",
                    "src/trending_now/monitor/drift.py::data_drift",
                    "tests/unit/monitor/test_drift.py::test_data_drift_names_exactly_the_shifted_column",
                ),
                True,
                "The contract runs on every ingest and fails the run; drift of the "
                "monitored columns is checked against the production model's training data.",
            ),
            RubricTest(
                "monitor-3",
                "Training and serving are not skewed",
                (
                    "tests/unit/train/test_predict.py::test_prediction_uses_the_training_cleaning",
                    "src/trending_now/monitor/checks.py::check_skew",
                    "tests/unit/monitor/test_checks.py::test_skew_is_caught_when_serving_builds_documents_differently",
                ),
                True,
                "One code path builds documents for training and serving; the monitor "
                "compares served predictions with a recomputation.",
            ),
            RubricTest(
                "monitor-4",
                "Models are not too stale",
                (
                    "gate:data_age",
                    "src/trending_now/monitor/decision.py::decide",
                    "tests/unit/monitor/test_decision.py::test_a_stale_model_asks_for_a_retrain_even_without_drift",
                ),
                True,
                "The gate refuses stale training data; monitoring flags a stale model "
                "and triggers retraining.",
            ),
            RubricTest(
                "monitor-5",
                "Models are numerically stable",
                (
                    "gate:serving",
                    GOV,
                    "src/trending_now/monitor/checks.py::check_stability",
                    "tests/unit/monitor/test_checks.py::test_stability_flags_nan_infinite_and_out_of_range_probabilities",
                ),
                True,
                "A model with NaN probabilities is blocked at the gate (planted in a "
                "test); monitoring checks served probabilities are finite.",
            ),
            RubricTest(
                "monitor-6",
                "Computing performance has not regressed",
                ("gate:serving", "bench/train_full.py"),
                False,
                "A latency budget per movie at every promotion; benchmarks by hand.",
                "No comparison with the previous version's speed or memory over time.",
            ),
            RubricTest(
                "monitor-7",
                "Prediction quality has not regressed",
                (
                    "gate:champion",
                    "src/trending_now/monitor/checks.py::check_quality",
                    "tests/unit/monitor/test_decision.py::test_quality_drop_past_the_limit_asks_for_a_retrain",
                ),
                True,
                "Champion/challenger on the same test split at every promotion; the "
                "monitor scores the production model on newly labelled movies.",
            ),
        ),
    }
)


def reference_exists(root: Path, ref: str) -> bool:
    """A `path`, `path::name` (defined in that file) or `gate:<check>` reference resolves."""
    if ref.startswith("gate:"):
        checks = root / "src/trending_now/governance/checks.py"
        return checks.exists() and f"def check_{ref[5:]}(" in checks.read_text(encoding="utf-8")
    path, _, name = ref.partition("::")
    target = root / path
    if not target.exists():
        return False
    if not name:
        return True
    pattern = rf"^\s*(?:async\s+)?def {re.escape(name)}\(|^class {re.escape(name)}\b"
    return re.search(pattern, target.read_text(encoding="utf-8"), re.MULTILINE) is not None


def missing_references(root: Path, rubric: Rubric = RUBRIC) -> list[str]:
    """Every reference of the rubric that does not resolve in `root` (should be empty)."""
    return [
        f"{t.id}: {ref}"
        for tests in rubric.sections.values()
        for t in tests
        for ref in t.implemented_by
        if not reference_exists(root, ref)
    ]


def score(rubric: Rubric = RUBRIC) -> dict[str, Any]:
    """The report: per section its tests and score, the final (minimum) score."""
    sections = {
        name: {
            "tests": [
                {
                    "id": t.id,
                    "title": t.title,
                    "implemented_by": list(t.implemented_by),
                    "automated": t.automated,
                    "score": t.score,
                    "how": t.how,
                    "gaps": t.gaps,
                }
                for t in tests
            ],
            "score": sum(t.score for t in tests),
        }
        for name, tests in rubric.sections.items()
    }
    return {
        "paper": PAPER,
        "scoring": "1 = automated and fails when broken; 0.5 = manual or documented; 0 = none",
        "sections": sections,
        "final": min(s["score"] for s in sections.values()),
        "generated_at": datetime.now(UTC).isoformat(),
    }


def render_markdown(report: dict[str, Any]) -> str:
    """The report for people: one table per section."""
    out = [
        "# ML Test Score",
        "",
        f"{report['paper']}",
        "",
        f"**Final score: {report['final']}** (the minimum of the four sections). "
        f"Scoring: {report['scoring']}.",
        "",
    ]
    for name, section in report["sections"].items():
        out += [
            f"## {name.capitalize()}: {section['score']}",
            "",
            "| test | score | implemented by | how | gaps |",
            "| --- | --- | --- | --- | --- |",
        ]
        for t in section["tests"]:
            refs = "<br>".join(f"`{r}`" for r in t["implemented_by"]) or "-"
            out.append(
                f"| {t['id']} {t['title']} | {t['score']} | {refs} | {t['how']} | "
                f"{t['gaps'] or '-'} |"
            )
        out.append("")
    return "\n".join(out) + "\n"


def write_report(root: Path, governance_dir: Path) -> dict[str, Any]:
    """Check the mapping, then write `mltestscore.{json,md}`; a dangling reference is an error."""
    missing = missing_references(root)
    if missing:
        raise ValueError(f"the ML Test Score mapping references what does not exist: {missing}")
    report = score()
    write_json(governance_dir / "mltestscore.json", report)
    atomic_write_text(governance_dir / "mltestscore.md", render_markdown(report))
    return report
