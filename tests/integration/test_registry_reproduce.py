"""Register a trained model version as a GTO git tag, then `trending reproduce` rebuilds it from
the DVC remote in a clean worktree: an exact match passes, a tampered record fails with a diff."""

from __future__ import annotations

import json
import lzma
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.dags.test_train_dag_run import _shrink_params
from tests.utils.servers import start_source_server
from trending_now.config import IngestParams
from trending_now.ingest import run_stage as ingest_stage
from trending_now.registry.versions import parse_ref, register, versions

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
API_KEY = "registry-test-key-0123456789"


def _sh(args: list[str | Path], cwd: Path, env: dict[str, str]) -> str:
    proc = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, f"{args}: {proc.stdout[-1500:]} {proc.stderr[-3000:]}"
    return proc.stdout


def _git_workspace(tmp_path: Path, env: dict[str, str]) -> Path:
    ws = tmp_path / "project"
    ws.mkdir()
    for name in ("params.yaml", "dvc.yaml", ".gitignore"):
        shutil.copy(ROOT / name, ws / name)
    shutil.copytree(ROOT / "src" / "trending_now", ws / "src" / "trending_now",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    _shrink_params(ws / "params.yaml")
    _sh(["git", "init", "-q", "-b", "main"], ws, env)
    _sh(["git", "config", "user.email", "ci@trending-now.invalid"], ws, env)
    _sh(["git", "config", "user.name", "Trending Now CI"], ws, env)
    _sh([BIN / "dvc", "init", "-q"], ws, env)
    _sh([BIN / "dvc", "remote", "add", "-d", "local", str(tmp_path / "remote")], ws, env)
    _sh(["git", "add", "-A"], ws, env)
    _sh(["git", "commit", "-qm", "workspace"], ws, env)
    return ws


def test_register_then_reproduce_exactly_and_catch_a_tampered_record(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "DVC_NO_ANALYTICS": "1",
           "TRENDING_TRACKER": "none"}  # fmt: skip
    ws = _git_workspace(tmp_path, env)
    env.update(TRENDING_PROJECT_DIR=str(ws), TRENDING_VAR_DIR=str(tmp_path / "var"))
    with start_source_server(tmp_path, api_key=API_KEY) as base_url:
        ingest_stage(
            base_url=base_url, api_key=API_KEY, salt="registry-salt-0123456789",
            params=IngestParams(movie_limit=120), raw_dir=ws / "data/raw", run_id="r1",
        )  # fmt: skip
    _sh([BIN / "dvc", "add", "data/raw"], ws, env)
    _sh([BIN / "dvc", "repro", "evaluate"], ws, env)
    _sh([BIN / "dvc", "push"], ws, env)

    ref = register(ws, "genre-xgb", message="first version")
    assert ref.tag == "genre-xgb@v1.0.0"
    assert [r["version"] for r in versions(ws)] == ["v1.0.0"]
    listed = _sh([BIN / "trending", "models", "list"], ws, env)
    assert "genre-xgb" in listed
    assert "v1.0.0" in listed

    # Batch prediction by version: the model comes from the DVC remote at the version's tag.
    batch = tmp_path / "batch.jsonl"
    with lzma.open(ROOT / "data/snapshot/movies.jsonl.xz", "rt") as fh:
        snapshot = [json.loads(line) for line in fh]
    batch.write_text("".join(json.dumps(m) + "\n" for m in snapshot[-5:]))
    out = tmp_path / "predictions.jsonl"
    _sh([BIN / "trending", "predict", "--model", "genre-xgb@v1", "--input", batch,
         "--output", out], ws, env)  # fmt: skip
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == [m["id"] for m in snapshot[-5:]]

    # Wipe the local data and cache: reproduce must pull from the remote.
    shutil.rmtree(ws / ".dvc" / "cache")
    proc = subprocess.run([BIN / "trending", "reproduce", "genre-xgb@v1"], cwd=ws, env=env,
                          capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "PASS" in proc.stderr + proc.stdout

    # A version whose recorded metric does not match what its inputs produce is caught.
    metrics = ws / "metrics" / "genre-xgb.json"
    doc = json.loads(metrics.read_text())
    doc["overall"]["macro_f1"] = round(doc["overall"]["macro_f1"] + 0.05, 6)
    metrics.write_text(json.dumps(doc))
    assert register(ws, "genre-xgb", message="tampered").version == "v2.0.0"
    proc = subprocess.run([BIN / "trending", "reproduce", "genre-xgb@v2"], cwd=ws, env=env,
                          capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 1
    assert "overall.macro_f1" in proc.stdout + proc.stderr
    assert parse_ref("genre-xgb@v2").tag == "genre-xgb@v2.0.0"
