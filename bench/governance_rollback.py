"""Rollback time: `trending models rollback` returns GTO stage `prod` to the previous version.

Builds a throwaway git repository with three registered versions promoted in turn, then times
the CLI command end to end (process start included) and the in-process call, several times
(re-promoting the rolled-back version in between). Target: under 10 s.
Writes bench/results/governance_rollback.json.

Run: `.venv/bin/python bench/governance_rollback.py [--repeats 5]`
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from trending_now.io import atomic_write_json
from trending_now.registry.promotion import rollback
from trending_now.registry.versions import assign_stage, production, register

ROOT = Path(__file__).resolve().parents[1]
RESULT = ROOT / "bench" / "results" / "governance_rollback.json"
BIN = Path(sys.executable).parent
NAME = "genre-xgb"


def _repo(root: Path) -> None:
    """A git repository with three registered versions of NAME, each promoted in turn."""
    git = ["git", "-C", str(root)]
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run([*git, "config", "user.email", "bench@trending.invalid"], check=True)
    subprocess.run([*git, "config", "user.name", "bench"], check=True)
    for major in (1, 2, 3):
        (root / "metrics").mkdir(exist_ok=True)
        (root / "metrics" / f"{NAME}.json").write_text(json.dumps({"v": major}))
        ref = register(root, NAME, message=f"v{major}")
        assign_stage(root, ref, message=f"promote {ref.tag}: bench")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        root.mkdir()
        _repo(root)
        env = {**os.environ, "TRENDING_PROJECT_DIR": str(root), "TRENDING_VAR_DIR": f"{tmp}/var"}
        cli, direct = [], []
        for _ in range(args.repeats):
            top = production(root, NAME)
            assert top is not None
            started = time.monotonic()
            subprocess.run(
                [BIN / "trending", "models", "rollback", NAME, "--reason", "bench"],
                cwd=root,
                env=env,
                check=True,
                capture_output=True,
            )
            cli.append(time.monotonic() - started)
            assign_stage(root, top, message=f"promote {top.tag}: bench")  # back on top
            started = time.monotonic()
            rollback(root, NAME, audit_log=Path(tmp) / "audit.jsonl", reason="bench")
            direct.append(time.monotonic() - started)
            assign_stage(root, top, message=f"promote {top.tag}: bench")
    record = {
        "target_s": 10.0,
        "cli_seconds": [round(s, 3) for s in cli],
        "cli_median_s": round(statistics.median(cli), 3),
        "in_process_seconds": [round(s, 3) for s in direct],
        "in_process_median_s": round(statistics.median(direct), 3),
        "what": "prod v3 -> v2 with `trending models rollback` (process start included) and "
        "governance.promotion.rollback (GTO tags read and written with git, audit event); "
        "both include up to 1 s waiting for the clock to leave the second of the re-promotion "
        "just before (GTO orders assignments by whole-second tag times)",
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "machine": {"python": platform.python_version(), "cpus": len(os.sched_getaffinity(0))},
    }
    atomic_write_json(RESULT, record)
    print(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
