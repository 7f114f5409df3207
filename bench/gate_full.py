"""The promotion gate on the full-data model: every check, its value, and what each costs.

Uses the models, metrics and features `bench/train_full.py` left in `var/bench/train_full`
(copied, never modified) with params.yaml's `gate:` block, plus the evidence the pipeline would
have: the whole snapshot ingested from the replay source and validated by the real data
contract (report.json, and an `ingest` audit event for the data-age check). Not a git
checkout: there is no production version to compare with. Writes bench/results/gate_full.json.

Run: `.venv/bin/python bench/gate_full.py` (after bench/train_full.py)
"""

from __future__ import annotations

import json
import logging
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

from trending_now import audit
from trending_now.config import get_settings, load_params
from trending_now.governance.gate import GateInputs, run_gate
from trending_now.ingest import run_stage as ingest_stage
from trending_now.io import atomic_write_json
from trending_now.validate import run_stage as validate_stage

ROOT = Path(__file__).resolve().parents[1]
RESULT = ROOT / "bench" / "results" / "gate_full.json"
TRAINED = ROOT / "var" / "bench" / "train_full"
WORK = ROOT / "var" / "bench" / "gate_full"

log = logging.getLogger("bench.gate_full")


def _contract_report(work: Path) -> dict[str, object]:
    """Ingest the whole snapshot from the replay source and validate it: the report."""
    sys.path.insert(0, str(ROOT))  # run as a script: make `tests.utils` importable
    from tests.utils.servers import TEST_API_KEY, start_source_server

    params = load_params(get_settings().params_path)
    with tempfile.TemporaryDirectory() as tmp, start_source_server(Path(tmp)) as base_url:
        ingest = params.ingest.model_copy(update={"movie_limit": 700})
        ingest_stage(
            base_url=base_url,
            api_key=TEST_API_KEY,
            salt="bench-salt-0123456789",
            params=ingest,
            raw_dir=Path(tmp) / "raw",
            run_id="bench-full",
        )
        report = validate_stage(
            raw_run_dir=Path(tmp) / "raw" / "bench-full",
            validated_dir=Path(tmp) / "validated",
            quarantine_dir=Path(tmp) / "quarantine",
            params=params.validate_,
        )
        shutil.copy(Path(tmp) / "validated" / "report.json", work / "validated" / "report.json")
    audit.append_event(
        work / "var" / "audit" / "audit.jsonl",
        "ingest",
        {"run_id": report.run_id, "source": "replay"},
        actor="bench",
    )
    return report.model_dump()


def main() -> None:
    """Copy the trained full-data project, add the contract evidence, run the gate."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if not (TRAINED / "models" / "genre-xgb" / "meta.json").exists():
        raise SystemExit(f"no trained model in {TRAINED}: run bench/train_full.py first")
    shutil.rmtree(WORK, ignore_errors=True)
    for part in ("features", "models", "metrics", "validated"):
        shutil.copytree(TRAINED / part, WORK / part)
    shutil.copytree(ROOT / "governance" / "card_text", WORK / "governance" / "card_text")
    started = time.monotonic()
    report = _contract_report(WORK)
    contract_s = time.monotonic() - started
    params = load_params(get_settings().params_path)
    inputs = GateInputs(
        name="genre-xgb",
        version="bench-full",
        project_dir=WORK,
        features_dir=WORK / "features",
        models_dir=WORK / "models",
        metrics_dir=WORK / "metrics",
        validated_dir=WORK / "validated",
        governance_dir=WORK / "governance",
        model_cache=WORK / "var" / "models",
        audit_log=WORK / "var" / "audit" / "audit.jsonl",
        actor="bench",
    )
    started = time.monotonic()
    decision = run_gate(inputs, params)
    gate_s = time.monotonic() - started
    checks = {c.name: c for c in decision.checks}
    record = {
        "decision": decision.decision,
        "failed": decision.failed,
        "checks": [
            {
                "name": c.name,
                "passed": c.passed,
                "value": c.value,
                "threshold": c.threshold,
                "reason": c.reason,
            }
            for c in decision.checks
        ],
        "seconds": {
            "ingest_and_contract": round(contract_s, 1),
            "gate_total": round(gate_s, 1),
            "reproducibility": checks["reproducibility"].evidence.get("seconds"),
            "serving_predict": checks["serving"].evidence.get("seconds"),
        },
        "reproducibility_strategy": checks["reproducibility"].evidence.get("strategy"),
        "validation_report": report,
        "thresholds": params.gate.model_dump(),
        "card": str(decision.card_md.relative_to(ROOT)),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "machine": {"python": platform.python_version(), "cpus": len(os.sched_getaffinity(0))},
    }
    atomic_write_json(RESULT, record)
    log.info("gate %s, failed %s; wrote %s", decision.decision, decision.failed, RESULT)
    print(json.dumps({k: record[k] for k in ("decision", "failed", "seconds")}, indent=2))


if __name__ == "__main__":
    main()
