"""docker-compose.yml: valid for docker-compose and the compose-spec schema, healthy by design,
scalable workers, and no secrets in the file.

There is no Docker engine here: Debian's docker-compose 1.29 validates and normalises the file
(`docker-compose config`) without one; nothing is built or started.
"""

from __future__ import annotations

import copy
import json
import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.utils.servers import PROJECT_ROOT

pytestmark = pytest.mark.integration

COMPOSE_FILE = PROJECT_ROOT / "docker-compose.yml"
SCHEMA = PROJECT_ROOT / "infra" / "schemas" / "compose-spec.json"
SECRET_VARS = ("POSTGRES_PASSWORD", "AIRFLOW_JWT_SECRET", "AIRFLOW_FERNET_KEY")
AIRFLOW = ("airflow-api-server", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer")
EMULATOR_DUMMIES = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}  # moto's, documented in file


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())  # resolves `<<` merges
    return loaded


def _docker_compose() -> str:
    found = shutil.which("docker-compose") or "/usr/bin/docker-compose"
    if not Path(found).exists():
        pytest.fail("docker-compose not installed: `make sysdeps` installs Debian's package")
    return found


def _config(tmp_path: Path, env: dict[str, str] | None) -> subprocess.CompletedProcess[str]:
    """`docker-compose config` on a copy of the file, with `env` as its .env (None: no values)."""
    shutil.copy(COMPOSE_FILE, tmp_path / "docker-compose.yml")
    values = env or {}
    (tmp_path / ".env").write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    return subprocess.run(
        [_docker_compose(), "--project-directory", str(tmp_path), "config"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_docker_compose_config_accepts_the_file(tmp_path: Path) -> None:
    env = {name: secrets.token_urlsafe(16) for name in SECRET_VARS}
    proc = _config(tmp_path, env)
    assert proc.returncode == 0, proc.stderr
    normalised = yaml.safe_load(proc.stdout)
    assert {"postgres", "redis", "airflow-worker", "api", "evidently", "moto"} <= set(
        normalised["services"]
    )
    conn = normalised["services"]["airflow-worker"]["environment"]
    assert conn["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].endswith("@postgres:5432/airflow")
    assert env["POSTGRES_PASSWORD"] in conn["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]


def test_docker_compose_refuses_to_run_without_the_secrets(tmp_path: Path) -> None:
    proc = _config(tmp_path, None)
    assert proc.returncode != 0
    assert "in .env" in proc.stderr, proc.stderr


def test_file_matches_the_compose_spec_schema(compose: dict[str, Any]) -> None:
    validator = jsonschema.Draft201909Validator(json.loads(SCHEMA.read_text()))
    assert [e.message for e in validator.iter_errors(compose)] == []
    broken = copy.deepcopy(compose)
    broken["services"]["api"]["depends_on"] = {"postgres": {"condition": "sometimes"}}
    assert list(validator.iter_errors(broken)), "the schema must catch an invalid condition"


def test_every_service_is_health_checked_or_a_one_shot(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name, svc in services.items():
        one_shot = svc.get("restart") == "no"
        assert one_shot or "test" in svc.get("healthcheck", {}), f"{name}: no health check"
        for dep, spec in svc.get("depends_on", {}).items():
            condition = spec["condition"]
            if services[dep].get("restart") == "no":
                assert condition == "service_completed_successfully", f"{name} -> {dep}"
            else:
                assert condition == "service_healthy", f"{name} -> {dep}"


def test_airflow_runs_on_celery_with_a_scalable_worker(compose: dict[str, Any]) -> None:
    services = compose["services"]
    worker = services["airflow-worker"]
    assert "container_name" not in worker and "ports" not in worker, "must scale"
    assert worker["command"][:3] == ["airflow", "celery", "worker"]
    assert not any("container_name" in svc for svc in services.values())
    for name in (*AIRFLOW, "airflow-worker", "airflow-init"):
        env = services[name]["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        assert env["AIRFLOW__CELERY__BROKER_URL"] == "redis://redis:6379/0", name
        assert env["AIRFLOW__API_AUTH__JWT_SECRET"].startswith("${AIRFLOW_JWT_SECRET:?"), name
    for name in (*AIRFLOW, "airflow-worker"):
        assert services[name]["depends_on"]["airflow-init"]["condition"] == (
            "service_completed_successfully"
        )
    assert services["evidently"]["command"][:2] == ["evidently", "ui"]
    assert "127.0.0.1:8794:8794" in services["evidently"]["ports"]
    assert "127.0.0.1:8791:8791" in services["api"]["ports"]


def test_no_secret_is_written_in_the_file(compose: dict[str, Any]) -> None:
    sensitive = re.compile(r"PASSWORD|SECRET|TOKEN|API_KEY|FERNET|SALT")
    for name, svc in compose["services"].items():
        env = svc.get("environment", {})
        assert isinstance(env, dict), f"{name}: use a mapping for environment"
        for key, value in env.items():
            text = str(value)
            if key in EMULATOR_DUMMIES:
                assert text == "local-emulator"
            elif sensitive.search(key) and not key.endswith("_FILE"):
                assert re.fullmatch(r"\$\{[A-Z_]+:\?[^}]*\}", text), f"{name}.{key} literal"
            # Credentials inside URLs come from the environment too.
            if "://" in text and "@" in text:
                assert ":${POSTGRES_PASSWORD:?" in text, f"{name}.{key}: literal credential"
        if "build" in svc:  # our images read the secrets from the env file at run time
            assert svc["env_file"] == [".env"], name
    example = (PROJECT_ROOT / ".env.example").read_text()
    for var in (*SECRET_VARS, "TRENDING_TMDB_API_KEY", "TRENDING_PSEUDONYM_SALT"):
        assert re.search(rf"^{var}=$", example, re.M), f".env.example must leave {var} empty"


def test_compose_builds_only_targets_the_dockerfile_defines(compose: dict[str, Any]) -> None:
    stages = set(
        re.findall(r"^FROM \S+ AS (\S+)$", (PROJECT_ROOT / "Dockerfile").read_text(), re.M)
    )
    targets = {svc["build"]["target"] for svc in compose["services"].values() if "build" in svc}
    assert targets and targets <= stages
    ignored = (PROJECT_ROOT / ".dockerignore").read_text().split()
    assert {".env", ".venv", "var"} <= set(ignored), "no local state or secrets in the context"


_PARSE_AIRFLOW = """
import json, sys
from airflow.cli.cli_parser import get_parser
bad = []
for argv in json.loads(sys.argv[1]):
    try:
        get_parser().parse_args(argv)
    except SystemExit:
        bad.append(argv)
print(json.dumps(bad))
"""


def _commands(compose: dict[str, Any]) -> list[list[str]]:
    """Every command line the services and their health checks run (shell `&&` chains split)."""
    lines: list[list[str]] = []
    for svc in compose["services"].values():
        for argv in (svc.get("command"), svc.get("healthcheck", {}).get("test")):
            if not argv:
                continue
            if argv[0] == "CMD-SHELL" or argv[:2] == ["bash", "-c"]:
                for part in argv[-1].split("&&"):
                    lines.append(shlex.split(part))
            else:
                lines.append(argv[1:] if argv[0] == "CMD" else argv)
    return lines


def test_airflow_and_trending_command_lines_parse(compose: dict[str, Any], tmp_path: Path) -> None:
    """The commands and health checks use options these Airflow and CLI versions accept."""
    commands = _commands(compose)
    airflow = [argv[1:] for argv in commands if argv[0] == "airflow"]
    assert len(airflow) >= 8
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path / "airflow")}
    proc = subprocess.run(
        [sys.executable, "-c", _PARSE_AIRFLOW, json.dumps(airflow)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []
    for argv in (a for a in commands if a[0] == "trending"):
        trending = str(Path(sys.executable).parent / "trending")
        done = subprocess.run([trending, *argv[1:], "--help"], capture_output=True, check=False)
        assert done.returncode == 0, argv
