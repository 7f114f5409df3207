"""The `trending` CLI runs ingest -> validate against the real replay server, and every file it
writes lands inside the project: nothing appears in the user's home directory."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.utils.servers import free_port, start_source_server

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
TRENDING = str(Path(sys.executable).parent / "trending")
API_KEY = "cli-test-key-0123456789"


def test_ingest_then_validate_writes_nothing_to_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "params.yaml", project / "params.yaml")
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("XDG_", "WANDB_", "HF_", "AIRFLOW", "MPLCONFIGDIR"))
    }
    env.update(
        HOME=str(home),
        TRENDING_PROJECT_DIR=str(project),
        TRENDING_SOURCE_PORT=str(port),
        TRENDING_TMDB_API_KEY=API_KEY,
        TRENDING_PSEUDONYM_SALT="cli-test-salt-0123456789",
    )
    with start_source_server(tmp_path, port=port, api_key=API_KEY):
        for args in (["ingest", "--run-id", "cli-1", "--limit", "15"], ["validate"]):
            proc = subprocess.run([TRENDING, *args], env=env, capture_output=True, text=True)
            assert proc.returncode == 0, proc.stderr[-2000:]
            assert API_KEY not in proc.stdout + proc.stderr

    report = json.loads((project / "data/validated/report.json").read_text())
    assert report["run_id"] == "cli-1"
    assert (
        report["movies"]["fetched"] == report["movies"]["valid"] + report["movies"]["quarantined"]
    )
    assert (project / "data/raw/cli-1/movies.jsonl").exists()
    assert sorted(p.name for p in home.rglob("*")) == [], "something wrote to $HOME"
