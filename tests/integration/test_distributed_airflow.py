"""The distributed Airflow stack for real: CeleryExecutor on PostgreSQL + Redis, two workers.

Starts the whole stack (`trending_now.ops.distributed`, what `make run-distributed` runs) on free
loopback ports in a throwaway workspace, triggers `trending_ingest` through the REST API against
the real replay server, and checks that the run succeeded with its tasks executed by the Celery
workers: the task instances' `hostname` is a worker's Celery node name, the run is recorded in the
PostgreSQL metadata database, and Celery's result backend there holds the task results.
Everything is stopped in teardown, and the test checks that it is.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.dags.test_ingest_dag_run import make_workspace
from tests.utils.servers import DEFAULT_SNAPSHOT, PROJECT_ROOT, free_port, start_source_server
from trending_now.config import Settings
from trending_now.ops import distributed, stack
from trending_now.ops.airflow_api import AirflowClient

pytestmark = [pytest.mark.integration, pytest.mark.slow]

API_KEY = "distributed-test-key-0123456789"
SALT = "distributed-test-salt-0123456789"
MOVIE_LIMIT = 8


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Iterator[distributed.DistributedStack]:
    """A running distributed stack (Airflow on Celery; the replay source from the test utils),
    shared by this module's tests: starting it takes most of a minute."""
    tmp_path = tmp_path_factory.mktemp("distributed")
    ws = make_workspace(tmp_path)
    shutil.copytree(PROJECT_ROOT / "prompts", ws / "prompts")  # `up` seeds them into moto
    ports = distributed.DistributedPorts(*(free_port() for _ in range(6)))
    settings = Settings(project_dir=ws, tmdb_api_key=API_KEY, pseudonym_salt=SALT)
    # The stack's state lives outside pytest's base temp: another pytest process resets
    # /tmp/pytest-of-<user> to 0700, which would lock the `postgres` user out of its data
    # directory mid-test. `<var>/distributed` is where `trending distributed ...` looks.
    var_root = Path(tempfile.mkdtemp(prefix="trending-distributed-"))
    dist = distributed.make_stack(settings, ports, workers=2, var_dir=var_root / "distributed")
    airflow_only = [s.name for s in distributed.define_services(dist) if s.name != "source"]
    task_env = {
        "TRENDING_PSEUDONYM_SALT": SALT,
        "TRENDING_SNAPSHOT_FILE": str(DEFAULT_SNAPSHOT),
        # Only the run the test triggers: unpausing the @daily DAG would also start the latest
        # scheduled interval (a second ingest, queued behind max_active_runs=1).
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
    }
    with start_source_server(tmp_path, port=ports.source, api_key=API_KEY):
        try:
            distributed.up(dist, airflow_only, extra_env=task_env)
            yield dist
        finally:
            records = stack.read_records(dist.settings)
            distributed.down(dist.settings.var_path)
            _assert_all_stopped(dist, records)
            shutil.rmtree(var_root)


def _assert_all_stopped(dist: distributed.DistributedStack, records: list[stack.RunRecord]) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(Path(f"/proc/{r.pid}").exists() for r in records):
        time.sleep(0.2)
    left = [r.name for r in records if stack.is_alive(r)]
    assert not left, f"still running after down: {left}"
    for port in (dist.ports.airflow, dist.ports.postgres, dist.ports.redis):
        assert not stack.port_in_use(dist.settings.host, port), f"port {port} still open"


def test_ingest_runs_on_celery_workers(dist: distributed.DistributedStack) -> None:
    workers = distributed.wait_for_workers(dist, timeout_s=10)
    assert workers == sorted(dist.worker_names()), "both workers answer a Celery ping"

    client = AirflowClient(dist.airflow_url, *stack.airflow_login(dist.settings))
    client.wait_for_dag("trending_ingest", timeout_s=60)
    run_id = client.trigger("trending_ingest", {"source": "replay", "movie_limit": MOVIE_LIMIT})
    result = client.wait("trending_ingest", run_id, timeout_s=150)
    tis = client._call("GET", f"/dags/trending_ingest/dagRuns/{run_id}/taskInstances")
    # An open keep-alive connection would hold the API server's graceful shutdown in teardown.
    client._http.close()
    assert result.state == "success", result
    assert set(result.task_states) == {"ingest", "version_raw", "validate", "push"}
    assert set(result.task_states.values()) == {"success"}

    # Every task ran on one of the Celery workers (the hostname each worker reports).
    hosts = {ti["task_id"]: ti["hostname"] for ti in tis["task_instances"]}
    assert set(hosts.values()) <= set(dist.worker_names()), hosts
    # ... and that worker's own log shows it took the task from the broker.
    for task_id, host in hosts.items():
        worker_log = dist.settings.var_path / "log" / f"airflow-{host.split('@')[0]}.log"
        text = worker_log.read_text(errors="replace")
        assert "Executing workload in Celery" in text
        assert f"run_id={run_id}/task_id={task_id}/" in text, f"{host} did not log {task_id}"

    # The metadata and the Celery results are in PostgreSQL, not SQLite. A worker stores its
    # Celery result just after the task reports success to Airflow: allow it a moment.
    with psycopg.connect(dist.database_url("postgresql"), autocommit=True) as conn:
        state = conn.execute("SELECT state FROM dag_run WHERE run_id = %s", (run_id,)).fetchone()
        deadline, succeeded = time.monotonic() + 20, 0
        while succeeded < len(hosts) and time.monotonic() < deadline:
            row = conn.execute("SELECT count(*) FROM celery_taskmeta WHERE status = 'SUCCESS'")
            succeeded = int((row.fetchone() or (0,))[0])
            time.sleep(0.5)
    assert state == ("success",)
    assert succeeded >= len(hosts), "one Celery result per task"
    assert not any((dist.settings.var_path / "airflow").glob("*.db")), "no SQLite metadata"

    # The tasks really fetched from the replay source and versioned the data in the workspace.
    ws = dist.settings.project_dir
    raw_runs = [p for p in (ws / "data" / "raw").iterdir() if p.is_dir()]
    assert len(raw_runs) == 1
    assert (ws / "data" / "raw.dvc").exists()
    assert "data/validated" in (ws / "dvc.lock").read_text()


def test_cli_finds_the_running_stack(dist: distributed.DistributedStack) -> None:
    """`trending distributed urls` / `status` read what `up` recorded (`make run-distributed`)."""
    env = {**os.environ, "TRENDING_VAR_DIR": str(dist.settings.var_path.parent)}
    trending = str(Path(sys.executable).parent / "trending")
    urls = subprocess.run(
        [trending, "distributed", "urls"], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert dist.airflow_url in urls
    assert all(name in urls for name in dist.worker_names())
    status = subprocess.run(
        [trending, "distributed", "status"], env=env, capture_output=True, text=True, check=True
    )
    lines = [line for line in status.stderr.splitlines() if "pid" in line]
    assert len(lines) == len(stack.read_records(dist.settings)) >= 7
    assert all("running" in line for line in lines), status.stderr


def test_stack_defaults_stay_off_the_local_stack_ports() -> None:
    """`make run-distributed` must not collide with `make run` (8790-8794) or itself."""
    ports = distributed.DistributedPorts.from_base()
    values = [getattr(ports, f) for f in ports.__dataclass_fields__]
    assert len(set(values)) == len(values)
    assert not set(values) & set(range(8790, 8795))
    env = distributed.airflow_celery_env(distributed.make_stack(Settings(), ports))
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://127.0.0.1:")
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg://")
    assert int(env["AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT"]) not in range(8790, 8795)
    assert os.environ.get("AIRFLOW__CORE__EXECUTOR") != "CeleryExecutor", "env not leaked"
