"""`airflow dags test trending_ingest` end to end against the real replay server, real DVC.

The DAG runs in a throwaway project workspace (its own params, dvc.yaml, DVC repo and remote), so
the test never touches the checkout's data or DVC state.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.utils.servers import free_port, start_source_server
from trending_now.config import Settings
from trending_now.ops.stack import airflow_env

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
API_KEY = "dags-test-key-0123456789"

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def make_workspace(tmp_path: Path) -> Path:
    """A minimal project directory: params, dvc.yaml, the validate code (a DVC dep), a DVC repo."""
    ws = tmp_path / "project"
    ws.mkdir()
    for name in ("params.yaml", "dvc.yaml"):
        shutil.copy(ROOT / name, ws / name)
    # dvc.yaml lists the stages' own code as deps, so the workspace holds a copy of it.
    shutil.copytree(
        ROOT / "src" / "trending_now",
        ws / "src" / "trending_now",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    env = {**os.environ, "DVC_NO_ANALYTICS": "1"}
    subprocess.run([BIN / "dvc", "init", "--no-scm", "-q"], cwd=ws, check=True, env=env)
    subprocess.run(
        [BIN / "dvc", "remote", "add", "-d", "local", str(tmp_path / "remote")],
        cwd=ws,
        check=True,
        env=env,
    )
    return ws


def test_ingest_dag_runs_to_success(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)
    port = free_port()
    settings = Settings(project_dir=ws, var_dir=tmp_path / "var", source_port=port)
    env = {
        **os.environ,
        **airflow_env(settings),
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "TRENDING_PROJECT_DIR": str(ws),
        "TRENDING_VAR_DIR": str(tmp_path / "var"),
        "TRENDING_SOURCE_PORT": str(port),
        "TRENDING_TMDB_API_KEY": API_KEY,
        "TRENDING_PSEUDONYM_SALT": "dags-test-salt-0123456789",
        "TRENDING_SNAPSHOT_FILE": str(ROOT / "data/snapshot/movies.jsonl.xz"),
    }
    with start_source_server(tmp_path, port=port, api_key=API_KEY):
        subprocess.run([BIN / "airflow", "db", "migrate"], env=env, check=True, capture_output=True)
        proc = subprocess.run(
            [
                BIN / "airflow",
                "dags",
                "test",
                "trending_ingest",
                "-c",
                json.dumps({"source": "replay", "movie_limit": 25}),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "state=success" in proc.stdout + proc.stderr or "success" in proc.stdout.lower()

    raw_runs = [p for p in (ws / "data/raw").iterdir() if p.is_dir()]
    assert len(raw_runs) == 1
    manifest = json.loads((raw_runs[0] / "manifest.json").read_text())
    assert manifest["counts"]["movies"] + manifest["counts"]["failures"] >= 25

    report = json.loads((ws / "data/validated/report.json").read_text())
    for entity in ("movies", "reviews"):
        counts = report[entity]
        assert counts["fetched"] == counts["valid"] + counts["quarantined"]
    assert report["movies"]["valid"] > 0

    # DVC versioned both: the raw pointer file, the stage lock, and the remote holds the data.
    assert (ws / "data/raw.dvc").exists()
    lock = (ws / "dvc.lock").read_text()
    assert "data/validated" in lock and "data/quarantine" in lock
    status = subprocess.run(
        [BIN / "dvc", "status", "--cloud"],
        cwd=ws,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "new:" not in status.stdout, status.stdout
    raw_md5 = (ws / "data/raw.dvc").read_text().split("md5: ")[1].split()[0]
    pushed = tmp_path / "remote" / "files" / "md5" / raw_md5[:2] / raw_md5[2:]
    assert pushed.exists(), "dvc push did not send the raw data to the remote"
