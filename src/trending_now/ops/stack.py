"""The local stack: the processes `make run` starts, tracked so `make down` stops exactly those.

Each service runs in its own session (process group); its PID, process start time and port are
recorded under `var/run/`, so a stop never signals a recycled PID and a second `up` is harmless.
Logs go to `var/log/<service>.log`. Everything listens on loopback only.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

from trending_now.config import PROJECT_ROOT, Settings
from trending_now.paths import Paths
from trending_now.workspace import venv_bin

log = logging.getLogger(__name__)


class StackError(RuntimeError):
    """A service could not be started or reached; the message says what to do."""


@dataclass(frozen=True)
class Service:
    """A long-running local process and how to tell it is healthy."""

    name: str
    argv: list[str]
    port: int
    health_path: str
    env: dict[str, str] = field(default_factory=dict)
    start_timeout_s: float = 90.0


@dataclass(frozen=True)
class RunRecord:
    """What `up` wrote about a started process (enough to stop exactly it)."""

    name: str
    pid: int
    start_ticks: int
    port: int
    argv: list[str]


def airflow_env(settings: Settings) -> dict[str, str]:
    """The environment every Airflow component (and `airflow dags test`) runs with."""
    home = settings.var_path / "airflow"
    base = f"http://{settings.host}:{settings.airflow_port}"
    return {
        "AIRFLOW_HOME": str(home),
        # DAGs ship with the code; project_dir (data, params) may live elsewhere.
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
        "AIRFLOW__API__HOST": settings.host,
        "AIRFLOW__API__PORT": str(settings.airflow_port),
        "AIRFLOW__API__BASE_URL": base,
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{base}/execution/",
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(settings.airflow_worker_log_port),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(settings.airflow_trigger_log_port),
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
        # The stack's own tools keep their state inside the project, never in $HOME.
        "DVC_NO_ANALYTICS": "1",
        "DO_NOT_TRACK": "1",
        "WANDB_MODE": "offline",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "NO_PROXY": "127.0.0.1,localhost",
        **local_aws_env(settings),
    }


def local_aws_env(settings: Settings) -> dict[str, str]:
    """Point boto3 (and the Airflow secrets backend) at the local AWS emulator.

    moto accepts any credentials; these dummies are not secrets and never leave loopback. In AWS,
    none of this is set and the same code reads the real services.
    """
    return {
        "AWS_ENDPOINT_URL": f"http://{settings.host}:{settings.moto_port}",
        "AWS_ACCESS_KEY_ID": "local-emulator",
        "AWS_SECRET_ACCESS_KEY": "local-emulator",  # moto's dummy, not a secret
        "AWS_DEFAULT_REGION": "us-east-1",
    }


def define_services(settings: Settings) -> list[Service]:
    """Every service of the local stack, in start order."""
    py = sys.executable
    af = venv_bin("airflow")
    aenv = airflow_env(settings)
    return [
        Service(
            "moto",
            [venv_bin("moto_server"), "-H", settings.host, "-p", str(settings.moto_port)],
            settings.moto_port,
            "/moto-api/",
        ),
        Service(
            "source",
            [
                py,
                "-m",
                "services.source",
                "--host",
                settings.host,
                "--port",
                str(settings.source_port),
                "--snapshot",
                str(settings.snapshot_path),
            ],
            settings.source_port,
            "/health",
        ),
        Service(
            "api",
            [py, "-m", "services.api", "--host", settings.host, "--port", str(settings.api_port)],
            settings.api_port,
            "/health",
        ),
        Service(
            "evidently",
            [
                venv_bin("evidently"),
                "ui",
                "--workspace",
                str(settings.var_path / "monitor" / "workspace"),
                "--host",
                settings.host,
                "--port",
                str(settings.evidently_port),
            ],
            settings.evidently_port,
            "/api/version",
            {"DO_NOT_TRACK": "1"},  # the UI otherwise sends usage telemetry to an outside address
        ),
        Service(
            "airflow-api-server",
            [af, "api-server"],
            settings.airflow_port,
            "/api/v2/monitor/health",
            aenv,
        ),
        Service("airflow-scheduler", [af, "scheduler"], 0, "", aenv),
        Service("airflow-dag-processor", [af, "dag-processor"], 0, "", aenv),
        Service("airflow-triggerer", [af, "triggerer"], 0, "", aenv),
    ]


def ensure_env_file(settings: Settings) -> Path:
    """Create `.env` with freshly generated local secrets if it does not exist yet (mode 0600)."""
    path = settings.project_dir / ".env"
    if path.exists():
        return path
    lines = [
        "# Local secrets for the replay source and pseudonymisation, generated by `make run`.",
        "# Never commit this file. To use the real TMDb set TRENDING_SOURCE=tmdb",
        "# and your own TRENDING_TMDB_API_KEY (a TMDb v4 read access token).",
        f"TRENDING_TMDB_API_KEY={secrets.token_urlsafe(32)}",
        f"TRENDING_PSEUDONYM_SALT={secrets.token_urlsafe(32)}",
        "",
    ]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines))
    return path


def _run_dir(settings: Settings) -> Path:
    return settings.var_path / "run"


def start_ticks(pid: int) -> int | None:
    """The process start time in clock ticks (field 22 of /proc/<pid>/stat), None if gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] == "Z":  # exited, not yet reaped: reap it if it is our child, and call it gone
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        return None
    return int(fields[19])


def is_alive(rec: RunRecord) -> bool:
    return start_ticks(rec.pid) == rec.start_ticks


def read_records(settings: Settings) -> list[RunRecord]:
    """The recorded processes of this project's stack."""
    out = []
    for path in sorted(_run_dir(settings).glob("*.json")):
        out.append(RunRecord(**json.loads(path.read_text())))
    return out


def port_in_use(host: str, port: int) -> bool:
    """True if something accepts connections on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def _wait_healthy(svc: Service, host: str, rec: RunRecord, log_path: Path) -> None:
    deadline = time.monotonic() + svc.start_timeout_s
    url = f"http://{host}:{svc.port}{svc.health_path}"
    while time.monotonic() < deadline:
        if not is_alive(rec):
            tail = log_path.read_text(errors="replace").splitlines()[-15:]
            raise StackError(
                f"{svc.name} exited during start-up; last log lines:\n" + "\n".join(tail)
            )
        if not svc.health_path:
            time.sleep(2.0)  # no health endpoint: alive for two seconds counts as started
            return
        try:
            if httpx.get(url, timeout=2.0).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise StackError(
        f"{svc.name} not healthy at {url} after {svc.start_timeout_s:.0f} s; see {log_path}"
    )


def start_service(svc: Service, settings: Settings, extra_env: Mapping[str, str]) -> RunRecord:
    """Start one service in its own session unless it already runs; return its record."""
    run_dir, log_dir = _run_dir(settings), settings.var_path / "log"
    run_dir.mkdir(parents=True, exist_ok=True)
    log_dir.mkdir(parents=True, exist_ok=True)
    rec_path = run_dir / f"{svc.name}.json"
    if rec_path.exists():
        old = RunRecord(**json.loads(rec_path.read_text()))
        if is_alive(old):
            log.info("%s already running (pid %d)", svc.name, old.pid)
            return old
        rec_path.unlink()
    if svc.port and port_in_use(settings.host, svc.port):
        raise StackError(
            f"port {svc.port} ({svc.name}) is already in use by another program; stop it or set "
            f"TRENDING_{svc.name.split('-')[0].upper()}_PORT to a free port"
        )
    log_path = log_dir / f"{svc.name}.log"
    env = {**os.environ, **extra_env, **svc.env}
    with log_path.open("ab") as log_fh:
        proc = subprocess.Popen(
            svc.argv,
            cwd=settings.project_dir,
            env=env,
            stdout=log_fh,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    ticks = start_ticks(proc.pid)
    rec = RunRecord(svc.name, proc.pid, ticks if ticks is not None else -1, svc.port, svc.argv)
    rec_path.write_text(json.dumps(asdict(rec)))
    _wait_healthy(svc, settings.host, rec, log_path)
    log.info("%s started (pid %d)", svc.name, proc.pid)
    return rec


def migrate_airflow(settings: Settings) -> None:
    """Create or upgrade the Airflow metadata database (idempotent)."""
    env = {**os.environ, **airflow_env(settings)}
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [venv_bin("airflow"), "db", "migrate"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def up(settings: Settings, names: Iterable[str] | None = None) -> list[RunRecord]:
    """Start the stack (or the named services); already running ones are left alone."""
    wanted = set(names) if names is not None else None
    extra = {"TRENDING_TMDB_API_KEY": settings.require_tmdb_api_key()}
    todo = [s for s in define_services(settings) if wanted is None or s.name in wanted]
    if any(s.name.startswith("airflow") for s in todo):
        migrate_airflow(settings)
    records = [start_service(s, settings, extra) for s in todo]
    if any(s.name == "moto" for s in todo):
        seed_local_aws(settings)
    return records


def seed_local_aws(settings: Settings) -> None:
    """Publish the repo's prompts into the local emulator's Secrets Manager (idempotent)."""
    import boto3

    from trending_now.enrich.prompts import publish_prompts

    aws = local_aws_env(settings)
    client = boto3.client(  # the emulator's dummy credentials, passed here, not via os.environ
        "secretsmanager",
        endpoint_url=aws["AWS_ENDPOINT_URL"],
        region_name=aws["AWS_DEFAULT_REGION"],
        aws_access_key_id=aws["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=aws["AWS_SECRET_ACCESS_KEY"],
    )
    paths = Paths.from_settings(settings)
    results = publish_prompts(
        client,
        paths.prompts,
        prefix=settings.prompts_secret_prefix,
        audit_log=paths.audit_log,
        where="local emulator",
    )
    for result in results:
        state = "published" if result.changed else "unchanged"
        log.info("prompt %s %s in local Secrets Manager (%s)", result.name, result.version, state)


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)


def down(
    settings: Settings, grace_s: float = 20.0, names: Iterable[str] | None = None
) -> list[str]:
    """Stop every recorded process group of this project's stack (or only the named ones);
    return the names stopped."""
    stopped = []
    only = set(names) if names is not None else None
    records = [r for r in read_records(settings) if only is None or r.name in only]
    for rec in reversed(records):
        if is_alive(rec):
            _signal_group(rec.pid, signal.SIGTERM)
            stopped.append(rec.name)
    deadline = time.monotonic() + grace_s
    for rec in records:
        while is_alive(rec) and time.monotonic() < deadline:
            time.sleep(0.2)
        if is_alive(rec):
            log.warning("%s did not stop in %.0f s; killing its group", rec.name, grace_s)
            _signal_group(rec.pid, signal.SIGKILL)
        (_run_dir(settings) / f"{rec.name}.json").unlink(missing_ok=True)
    return stopped


def airflow_login(settings: Settings) -> tuple[str, str]:
    """The admin username and its generated password (written by Airflow's simple auth manager)."""
    path = settings.var_path / "airflow" / "passwords.json"
    deadline = time.monotonic() + 30
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    passwords: dict[str, str] = json.loads(path.read_text())
    return "admin", passwords["admin"]
