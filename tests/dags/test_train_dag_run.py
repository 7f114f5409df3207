"""`airflow dags test trending_train` on real validated data: features -> train -> evaluate
through real DVC stages, then gate -> register -> promote into a real GTO registry, in a
throwaway git workspace with a shrunken search and CI-sized gate thresholds so it runs in CI;
publish then serves the production version fetched from the DVC remote.

The run requires human approval: `airflow dags test` parks `approval` in AWAITING_INPUT and waits,
and the test answers "Approve" as a named user through a real `airflow api-server` on the same
metadata DB, with the REST call the UI's Required Actions page makes (PATCH .../hitlDetails)."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.dags.test_ingest_dag_run import BIN, ROOT, make_workspace
from tests.utils.servers import free_port, start_source_server, stop_process_group, wait_for_http
from trending_now import audit
from trending_now.config import IngestParams, Settings, ValidateParams
from trending_now.ingest import run_stage as ingest_stage
from trending_now.ops.stack import airflow_env
from trending_now.registry.versions import ModelRef, production
from trending_now.validate import run_stage as validate_stage

pytestmark = [pytest.mark.integration, pytest.mark.slow]
API_KEY = "train-dag-test-key-0123456789"
REVIEWER = "ml-reviewer"  # a simple-auth-manager user with the "user" role (may answer HITL)


def _shrink_params(path: Path) -> None:
    """The real params.yaml with a one-candidate search: same code path, CI-sized."""
    params = yaml.safe_load(path.read_text())
    xgb = params["train"]["xgb"]
    xgb.update(n_estimators=40, stack_folds=2, n_jobs=1, selection_folds=3)
    xgb["search"].update(iterations=1, n_estimators=[40])
    xgb["embeddings"].update(max_windows=2, max_length=128)  # MiniLM as in fast mode
    path.write_text(yaml.safe_dump(params, sort_keys=False))


def _ci_gate(path: Path) -> None:
    """Gate thresholds for ~24 test movies of a 1-candidate model (the checks are the same)."""
    params = yaml.safe_load(path.read_text())
    params["gate"].update(min_macro_f1=0.2, min_genre_f1=0.0, baseline_margin=-0.2,
                          min_slice_f1=0.1, max_slice_gap=0.9, max_latency_ms=5000)  # fmt: skip
    path.write_text(yaml.safe_dump(params, sort_keys=False))


def _git(ws: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=ws, capture_output=True, text=True, check=True)
    return proc.stdout


def _as_git_checkout(ws: Path) -> None:
    """The workspace as the registry's home: a git checkout with the card text committed."""
    shutil.copytree(ROOT / "governance" / "card_text", ws / "governance" / "card_text")
    shutil.copy(ROOT / ".gitignore", ws / ".gitignore")
    _git(ws, "init", "-q", "-b", "main")
    _git(ws, "config", "user.email", "ci@trending-now.invalid")
    _git(ws, "config", "user.name", "Trending Now CI")
    (ws / ".dvc" / "config").write_text(
        (ws / ".dvc" / "config").read_text().replace("no_scm = True", "no_scm = False")
    )
    _git(ws, "add", "-A")
    _git(ws, "commit", "-qm", "workspace")


def _login(http: httpx.Client, username: str, password: str) -> None:
    """Log the API client in as `username` (the simple auth manager's token endpoint)."""
    resp = http.post("/auth/token", json={"username": username, "password": password})
    assert resp.status_code < 400, resp.text
    http.headers["Authorization"] = f"Bearer {resp.json()['access_token']}"


def _approve_when_asked(
    http: httpx.Client, dag_test: subprocess.Popen[bytes], log: Path, timeout_s: float
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Wait until the run's `approval` task asks, then answer "Approve" the way the Required
    Actions page does; return the request as listed and the recorded response."""
    runs = "/api/v2/dags/trending_train/dagRuns"
    deadline = time.monotonic() + timeout_s
    while dag_test.poll() is None and time.monotonic() < deadline:
        listed = http.get(f"{runs}/~/hitlDetails", params={"response_received": False})
        assert listed.status_code == 200, listed.text
        if pending := listed.json()["hitl_details"]:
            ti = pending[0]["task_instance"]
            answer = http.patch(
                f"{runs}/{ti['dag_run_id']}/taskInstances/{ti['task_id']}/-1/hitlDetails",
                json={"chosen_options": ["Approve"]},
            )
            assert answer.status_code == 200, answer.text
            return pending[0], answer.json()
        time.sleep(1.0)
    raise AssertionError(f"no approval was asked for; dags test log:\n{log.read_text()[-4000:]}")


def test_train_dag_versions_models_and_metrics(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)
    _shrink_params(ws / "params.yaml")
    _ci_gate(ws / "params.yaml")
    _as_git_checkout(ws)
    with start_source_server(tmp_path, api_key=API_KEY) as base_url:
        ingest_stage(
            base_url=base_url, api_key=API_KEY, salt="train-dag-salt-0123456789",
            params=IngestParams(movie_limit=160), raw_dir=ws / "data/raw", run_id="r1",
        )  # fmt: skip
    validate_stage(
        raw_run_dir=ws / "data/raw/r1", validated_dir=ws / "data/validated",
        quarantine_dir=ws / "data/quarantine", params=ValidateParams(),
    )  # fmt: skip

    settings = Settings(
        project_dir=ws, var_dir=tmp_path / "var", source_port=free_port(),
        airflow_port=free_port(), airflow_worker_log_port=free_port(),
        airflow_trigger_log_port=free_port(),
    )  # fmt: skip
    env = {
        **os.environ,
        **airflow_env(settings),
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "TRENDING_PROJECT_DIR": str(ws),
        "TRENDING_VAR_DIR": str(tmp_path / "var"),
        "TRENDING_TRACKER": "wandb",
        "WANDB_MODE": "offline",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"admin:admin,{REVIEWER}:user",
    }
    password = secrets.token_urlsafe(16)
    passwords = Path(env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"])
    passwords.parent.mkdir(parents=True, exist_ok=True)
    passwords.write_text(json.dumps({REVIEWER: password}))  # admin's is generated at start
    subprocess.run([BIN / "airflow", "db", "migrate"], env=env, check=True, capture_output=True)

    # The API server starts while the DAG trains (same metadata DB), so it costs no wall time.
    api_log, test_log = tmp_path / "api-server.log", tmp_path / "dags-test.log"
    with api_log.open("wb") as api_out, test_log.open("wb") as test_out:
        api = subprocess.Popen(
            [BIN / "airflow", "api-server", "--workers", "1"], env=env,
            stdout=api_out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        proc = subprocess.Popen(
            [BIN / "airflow", "dags", "test", "trending_train", "-c",
             json.dumps({"family": "xgb", "fast": False, "require_approval": True})],
            env=env, stdout=test_out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        base_url = env["AIRFLOW__API__BASE_URL"]
        wait_for_http(f"{base_url}/api/v2/monitor/health", api, api_log, timeout_s=180)
        with httpx.Client(base_url=base_url, timeout=30.0) as http:
            _login(http, REVIEWER, password)
            asked, answered = _approve_when_asked(http, proc, test_log, timeout_s=900)
            proc.wait(timeout=300)
            run_id = asked["task_instance"]["dag_run_id"]
            run = http.get(f"/api/v2/dags/trending_train/dagRuns/{run_id}").json()
            tis = http.get(f"/api/v2/dags/trending_train/dagRuns/{run_id}/taskInstances").json()
    finally:
        stop_process_group(proc)
        stop_process_group(api)
    assert proc.returncode == 0, test_log.read_text()[-6000:]

    # The reviewer saw the version the gate passed, answered as themself, and the run went on.
    assert asked["task_instance"]["task_id"] == "approval"
    assert asked["subject"] == "Promote genre-xgb@v1.0.0 to production?"
    assert answered["chosen_options"] == ["Approve"]
    assert answered["responded_by"] == {"id": REVIEWER, "name": REVIEWER}
    states = {ti["task_id"]: ti["state"] for ti in tis["task_instances"]}
    assert run["state"] == "success", states
    assert states["decide"] == states["approval"] == states["promote"] == "success", states

    lock = yaml.safe_load((ws / "dvc.lock").read_text())["stages"]
    assert {"features", "train_xgb", "evaluate"} <= set(lock)
    for name in ("genre-xgb", "baseline-prior", "baseline-logreg"):
        assert (ws / "models" / name / "meta.json").exists()
        metrics = json.loads((ws / "metrics" / f"{name}.json").read_text())
        assert 0.0 <= metrics["overall"]["macro_f1"] <= 1.0
    xgb = json.loads((ws / "metrics/genre-xgb.json").read_text())["overall"]["macro_f1"]
    prior = json.loads((ws / "metrics/baseline-prior.json").read_text())["overall"]["macro_f1"]
    assert xgb > prior, "the trained model must beat the prior on real data"
    # The W&B run was tracked offline inside the project's var dir, never in $HOME.
    assert list((tmp_path / "var").rglob("*.wandb")), "no offline W&B run file"

    # Gate -> register -> promote: the version's tag carries its card and decision.
    decision = json.loads((ws / "governance/decisions/genre-xgb/v1.0.0.json").read_text())
    assert decision["decision"] == "promote", decision["failed"]
    assert {c["name"] for c in decision["checks"]} >= {"reproducibility", "slices", "baseline"}
    card = json.loads(_git(ws, "show", "genre-xgb@v1.0.0:governance/cards/genre-xgb/v1.0.0.json"))
    assert card["gate"]["decision"] == "promote" and card["explanations"]["shap_samples"]
    assert production(ws, "genre-xgb") == ModelRef("genre-xgb", "v1.0.0")
    log = tmp_path / "var" / "audit" / "audit.jsonl"
    events = audit.read_entries(log)
    assert [e["kind"] for e in events] == ["training", "gate_decision", "promotion"]
    assert all(e["actor"].startswith("airflow:trending_train:") for e in events[1:])
    assert events[2]["actor"] == f"airflow:trending_train:{run_id}"
    promotion = events[2]["details"]
    assert (promotion["version"], promotion["approved_by"]) == ("v1.0.0", REVIEWER), promotion
    assert audit.verify(log).ok

    # Publish serves the production version, fetched from the DVC remote at its tag.
    shutil.rmtree(ws / "models" / "genre-xgb")
    from trending_now.project import load_project
    from trending_now.publish.tasks import publish

    db_url = f"sqlite:///{tmp_path / 'serving' / 'current.sqlite3'}"
    serving = Settings(project_dir=ws, var_dir=tmp_path / "var", serving_db_url=db_url)
    published = publish(load_project(serving))
    assert published.model_version == "v1.0.0" and published.predicted > 0
