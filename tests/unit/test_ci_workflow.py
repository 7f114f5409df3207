"""The GitHub Actions workflow runs what a developer runs: `make lint`, `make test`, `make
infra-lint`, on pushes and pull requests, with Python 3.11 and the Debian packages the tests need.

Structural checks here (no workflow schema ships in the project's lock); `make infra-lint`
also validates the file against the GitHub-workflow JSON schema vendored in check-jsonschema.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


@pytest.fixture(scope="module")
def workflow() -> dict[Any, Any]:
    loaded: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text())
    return loaded


def _runs(job: dict[str, Any]) -> list[str]:
    return [line.strip() for step in job["steps"] for line in step.get("run", "").splitlines()]


def test_runs_on_push_and_pull_request(workflow: dict[Any, Any]) -> None:
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as True
    assert set(triggers) >= {"push", "pull_request"}
    assert workflow["permissions"] == {"contents": "read"}


def test_lint_test_and_infra_lint_run_through_make(workflow: dict[Any, Any]) -> None:
    commands = {c for job in workflow["jobs"].values() for c in _runs(job)}
    assert {"make lint", "make test", "make infra-lint", "make sysdeps"} <= commands
    test_job = next(j for j in workflow["jobs"].values() if "make test" in _runs(j))
    assert _runs(test_job).index("make sysdeps") < _runs(test_job).index("make test")
    assert test_job["timeout-minutes"] <= 90


def test_python_311_on_an_ubuntu_runner(workflow: dict[Any, Any]) -> None:
    for name, job in workflow["jobs"].items():
        assert str(job["runs-on"]).startswith("ubuntu"), name
        image = job.get("container", "")
        setup = [
            s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/setup-python")
        ]
        assert re.match(r"python:3\.11\b", image) or (
            setup and str(setup[0]["with"]["python-version"]) == "3.11"
        ), f"{name}: Python 3.11"


def test_uv_cache_is_kept_between_runs(workflow: dict[Any, Any]) -> None:
    for name, job in workflow["jobs"].items():
        caches = [s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/cache@")]
        assert caches, name
        assert ".cache/uv" in caches[0]["with"]["path"]
        assert "hashFiles('uv.lock')" in caches[0]["with"]["key"]
    assert workflow["env"]["UV_CACHE_DIR"].endswith("/.cache/uv")


def test_actions_are_pinned_and_sysdeps_cover_the_tests(workflow: dict[Any, Any]) -> None:
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            if "uses" in step:
                assert re.fullmatch(r"[\w-]+/[\w-]+@v\d+", step["uses"]), step["uses"]
    makefile = (ROOT / "Makefile").read_text()
    for package in ("chromium", "postgresql", "redis-server", "docker-compose"):
        assert f":{package}" in makefile, f"make sysdeps must install {package}"
