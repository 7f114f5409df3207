"""A small client for Airflow 3's REST API (`/api/v2`): log in, unpause, trigger, wait."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx

TERMINAL_STATES = frozenset({"success", "failed"})


class AirflowApiError(RuntimeError):
    """The Airflow API refused a request or a DAG run did not succeed."""


@dataclass(frozen=True)
class DagRunResult:
    """The final state of a DAG run, with its task states for the report."""

    dag_id: str
    run_id: str
    state: str
    task_states: dict[str, str]


class AirflowClient:
    """Bearer-token client of the Airflow API server (simple auth manager login)."""

    def __init__(self, base_url: str, username: str, password: str, *, timeout_s: float = 30.0):
        self._http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout_s)
        resp = self._http.post("/auth/token", json={"username": username, "password": password})
        if resp.status_code >= 400:
            raise AirflowApiError(f"Airflow login refused ({resp.status_code}) for {username!r}")
        self._http.headers["Authorization"] = f"Bearer {resp.json()['access_token']}"

    def __repr__(self) -> str:
        return f"AirflowClient({self._http.base_url})"

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        resp = self._http.request(method, f"/api/v2{path}", **kwargs)
        if resp.status_code >= 400:
            raise AirflowApiError(f"{method} {path}: {resp.status_code} {resp.text[:300]}")
        return resp.json() if resp.content else None

    def wait_for_dag(self, dag_id: str, timeout_s: float = 120.0) -> None:
        """Wait until the DAG processor has parsed `dag_id` (fails on an import error)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            errors = self._call("GET", "/importErrors").get("import_errors", [])
            if errors:
                detail = "; ".join(f"{e['filename']}: {e['stack_trace'][-300:]}" for e in errors)
                raise AirflowApiError(f"DAG import errors: {detail}")
            resp = self._http.get(f"/api/v2/dags/{dag_id}")
            if resp.status_code == 200:
                return
            time.sleep(1.0)
        raise AirflowApiError(f"DAG {dag_id!r} not parsed after {timeout_s:.0f} s")

    def trigger(self, dag_id: str, conf: dict[str, Any] | None = None) -> str:
        """Unpause `dag_id` and start a run now; return its run id."""
        self._call("PATCH", f"/dags/{dag_id}", json={"is_paused": False})
        run = self._call(
            "POST", f"/dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": conf or {}}
        )
        return str(run["dag_run_id"])

    def wait(self, dag_id: str, run_id: str, timeout_s: float = 900.0) -> DagRunResult:
        """Poll a DAG run until it ends; return its state and the state of each task."""
        deadline = time.monotonic() + timeout_s
        state = "queued"
        while time.monotonic() < deadline:
            state = self._call("GET", f"/dags/{dag_id}/dagRuns/{run_id}")["state"]
            if state in TERMINAL_STATES:
                break
            time.sleep(2.0)
        tis = self._call("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances")
        tasks = {ti["task_id"]: str(ti["state"]) for ti in tis["task_instances"]}
        return DagRunResult(dag_id, run_id, state, tasks)
