"""The distributed Airflow stack without Docker: CeleryExecutor on PostgreSQL and Redis.

The same shape as the docker-compose deployment, as plain processes on loopback: PostgreSQL
(Airflow metadata and the Celery result backend) and Redis (the Celery broker) from Debian's
packages, the AWS emulator and the replay source, the four Airflow components, and N Celery
workers with distinct hostnames. It lives in its own var directory (`var/distributed`) on its own
ports (8800 and up by default), so it never clashes with `make run`'s stack. Every process runs in
its own session and is recorded under `<var>/run/` like the local stack's, so `down` stops
exactly what `up` started.

Each worker reports its Celery node name as the task instance `hostname` (through Airflow's
`[core] hostname_callable`), so the REST API shows which worker ran which task even though all
workers share one machine.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from trending_now.config import Settings
from trending_now.ops import stack
from trending_now.ops.localdb import (
    PostgresServer,
    as_postgres,
    pg_bin_dir,
    start_postgres,
    start_redis,
)
from trending_now.workspace import venv_bin

log = logging.getLogger(__name__)

WORKER_HOSTNAME_ENV = "TRENDING_CELERY_HOSTNAME"
DEFAULT_PORT_BASE = 8800
AIRFLOW_DB = "airflow"
HEALTH_PATH = "/api/v2/monitor/health"


def worker_hostname() -> str:
    """Airflow's `[core] hostname_callable` on the workers: the worker's Celery node name."""
    return os.environ.get(WORKER_HOSTNAME_ENV) or socket.getfqdn()


@dataclass(frozen=True)
class DistributedPorts:
    """Loopback ports of the distributed stack (none of them the local stack's 8790-8794)."""

    airflow: int
    source: int
    moto: int
    postgres: int
    redis: int
    trigger_logs: int

    @classmethod
    def from_base(cls, base: int = DEFAULT_PORT_BASE) -> DistributedPorts:
        """Consecutive ports from `base`: airflow, source, moto, postgres, redis, trigger logs."""
        return cls(base, base + 1, base + 2, base + 3, base + 4, base + 5)


@dataclass(frozen=True)
class DistributedStack:
    """Where a distributed stack lives and how it is wired (also saved as `<var>/stack.json`)."""

    settings: Settings  # var_dir and ports are this stack's own
    ports: DistributedPorts
    workers: int = 2

    @property
    def postgres_dir(self) -> Path:
        return self.settings.var_path / "postgres"

    @property
    def broker_url(self) -> str:
        return f"redis://{self.settings.host}:{self.ports.redis}/0"

    def database_url(self, driver: str = "postgresql+psycopg") -> str:
        return f"{driver}://postgres@{self.settings.host}:{self.ports.postgres}/{AIRFLOW_DB}"

    def worker_names(self) -> list[str]:
        """Celery node names, `worker-<i>@<host>`: what each worker's task instances report."""
        host = socket.gethostname()
        return [f"worker-{i}@{host}" for i in range(1, self.workers + 1)]

    @property
    def airflow_url(self) -> str:
        return f"http://{self.settings.host}:{self.ports.airflow}"


def make_stack(
    settings: Settings,
    ports: DistributedPorts | None = None,
    *,
    workers: int = 2,
    var_dir: Path | None = None,
) -> DistributedStack:
    """A distributed stack beside the project's: `var/distributed` and ports from 8800."""
    ports = ports or DistributedPorts.from_base()
    own = settings.model_copy(
        update={
            "var_dir": var_dir or settings.var_path / "distributed",
            "airflow_port": ports.airflow,
            "source_port": ports.source,
            "moto_port": ports.moto,
        }
    )
    return DistributedStack(own, ports, workers)


def airflow_celery_env(dist: DistributedStack) -> dict[str, str]:
    """`stack.airflow_env` switched to the CeleryExecutor on PostgreSQL + Redis.

    The TRENDING_* variables tell the tasks (which run in the workers) where this stack's
    project, replay source and AWS emulator are.
    """
    settings = dist.settings
    env = stack.airflow_env(settings)
    env.update(
        {
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": dist.database_url(),
            "AIRFLOW__CELERY__BROKER_URL": dist.broker_url,
            "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + dist.database_url("postgresql"),
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
            # The triggerer's log server defaults to 8794, the Evidently UI's port.
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(dist.ports.trigger_logs),
            "TRENDING_PROJECT_DIR": str(settings.project_dir),
            "TRENDING_HOST": settings.host,
            "TRENDING_SOURCE_PORT": str(settings.source_port),
            "TRENDING_MOTO_PORT": str(settings.moto_port),
        }
    )
    return env


def define_services(dist: DistributedStack) -> list[stack.Service]:
    """Every recorded process of the distributed stack except PostgreSQL, in start order."""
    settings = dist.settings
    env = airflow_celery_env(dist)
    af = venv_bin("airflow")
    local = {s.name: s for s in stack.define_services(settings)}
    services = [
        local["moto"],
        local["source"],
        stack.Service(
            "airflow-api-server", [af, "api-server"], dist.ports.airflow, HEALTH_PATH, env
        ),
        stack.Service("airflow-scheduler", [af, "scheduler"], 0, "", env),
        stack.Service("airflow-dag-processor", [af, "dag-processor"], 0, "", env),
        stack.Service("airflow-triggerer", [af, "triggerer"], 0, "", env),
    ]
    for i, name in enumerate(dist.worker_names(), start=1):
        argv = [af, "celery", "worker", "--celery-hostname", name, "--concurrency", "2"]
        # Each worker its own pid file (they share AIRFLOW_HOME); logs are read from the shared
        # log folder, so no worker needs a log server port.
        argv += ["--pid", str(settings.var_path / "run" / f"worker-{i}.pid"), "--skip-serve-logs"]
        worker_env = {
            **env,
            WORKER_HOSTNAME_ENV: name,
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "trending_now.ops.distributed.worker_hostname",
        }
        services.append(stack.Service(f"airflow-worker-{i}", argv, 0, "", worker_env))
    return services


def _postgres_running(dist: DistributedStack) -> bool:
    pid_file = dist.postgres_dir / "pgdata" / "postmaster.pid"
    return pid_file.exists() and stack.port_in_use(dist.settings.host, dist.ports.postgres)


def _start_databases(dist: DistributedStack) -> None:
    """PostgreSQL (with the `airflow` database) and Redis, unless they already run."""
    settings = dist.settings
    if not _postgres_running(dist):
        if stack.port_in_use(settings.host, dist.ports.postgres):
            raise stack.StackError(f"port {dist.ports.postgres} (postgres) is already in use")
        server = start_postgres(dist.postgres_dir, dist.ports.postgres)
        log.info("postgres started on %d", server.port)
    PostgresServer(dist.postgres_dir / "pgdata", dist.ports.postgres, Path()).create_database(
        AIRFLOW_DB
    )
    if any(r.name == "redis" and stack.is_alive(r) for r in stack.read_records(settings)):
        return
    if stack.port_in_use(settings.host, dist.ports.redis):
        raise stack.StackError(f"port {dist.ports.redis} (redis) is already in use")
    redis = start_redis(settings.var_path / "redis", dist.ports.redis)
    ticks = stack.start_ticks(redis.proc.pid)
    argv = [str(a) for a in redis.proc.args] if isinstance(redis.proc.args, list) else []
    rec = stack.RunRecord("redis", redis.proc.pid, ticks or -1, redis.port, argv)
    run_dir = settings.var_path / "run"
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "redis.json").write_text(json.dumps(asdict(rec)))


def _migrate(dist: DistributedStack, env: dict[str, str]) -> None:
    """`airflow db migrate` on the PostgreSQL metadata database (idempotent)."""
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [venv_bin("airflow"), "db", "migrate"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise stack.StackError(f"airflow db migrate failed:\n{proc.stderr[-3000:]}")


def wait_for_workers(dist: DistributedStack, timeout_s: float = 90.0) -> list[str]:
    """Wait until every worker answers a Celery ping through the broker; return their names."""
    from celery import Celery

    app = Celery(broker=dist.broker_url)
    wanted = set(dist.worker_names())
    seen: set[str] = set()
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            replies = app.control.ping(timeout=1.0)
            seen = {name for reply in replies for name in reply}
            if wanted <= seen:
                return sorted(seen)
            time.sleep(1.0)
    finally:
        app.close()
    raise stack.StackError(
        f"Celery workers not ready after {timeout_s:.0f} s: want {sorted(wanted)}, "
        f"got {sorted(seen)}; see {dist.settings.var_path / 'log'}"
    )


def up(
    dist: DistributedStack,
    names: list[str] | None = None,
    extra_env: dict[str, str] | None = None,
) -> list[stack.RunRecord]:
    """Start the distributed stack (or only the named recorded services; the databases always).

    Already running services are left alone. Returns the records of the started services.
    """
    settings = dist.settings
    settings.var_path.mkdir(parents=True, exist_ok=True)
    (settings.var_path / "stack.json").write_text(
        json.dumps({"ports": asdict(dist.ports), "workers": dist.workers}, indent=2)
    )
    _start_databases(dist)
    env = airflow_celery_env(dist)
    _migrate(dist, env)
    extra = {"TRENDING_TMDB_API_KEY": settings.require_tmdb_api_key(), **(extra_env or {})}
    todo = [s for s in define_services(dist) if names is None or s.name in names]
    records = [stack.start_service(s, settings, extra) for s in todo]
    if any(s.name.startswith("airflow-worker") for s in todo):
        wait_for_workers(dist)
    if any(s.name == "moto" for s in todo):
        stack.seed_local_aws(settings)
    return records


def down(var_dir: Path, grace_s: float = 30.0) -> list[str]:
    """Stop the stack in `var_dir`: Airflow and the workers first, then Redis, then PostgreSQL.

    The order lets the workers hand unfinished messages back to the broker and close their
    database connections before the servers go.
    """
    settings = Settings(var_dir=var_dir)
    recorded = [rec.name for rec in stack.read_records(settings)]
    stopped = stack.down(settings, grace_s, [n for n in recorded if n != "redis"])
    stopped += stack.down(settings, grace_s)
    if _stop_postgres(var_dir / "postgres" / "pgdata", min(grace_s, 10.0)):
        stopped.append("postgres")
    return stopped


def _stop_postgres(pgdata: Path, grace_s: float) -> bool:
    """`pg_ctl stop -m fast`; if the postmaster outlives it, signal it directly (SIGINT is
    PostgreSQL's fast shutdown, SIGKILL the last resort). True if one was running."""
    pid_file = pgdata / "postmaster.pid"
    if not pid_file.exists():
        return False
    pid = int(pid_file.read_text().split()[0])
    pg_ctl = [str(pg_bin_dir() / "pg_ctl"), "-D", str(pgdata), "-m", "fast", "-w", "stop"]
    done = subprocess.run(as_postgres(pg_ctl), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        log.warning(
            "pg_ctl stop exited %d: %s", done.returncode, (done.stdout + done.stderr)[-500:]
        )
    deadline = time.monotonic() + grace_s
    for sig in (signal.SIGINT, signal.SIGKILL):
        while _is_postmaster(pid, pgdata) and time.monotonic() < deadline:
            time.sleep(0.2)
        if not _is_postmaster(pid, pgdata):
            return True
        log.warning("postgres (pid %d) still running after pg_ctl stop; sending %s", pid, sig.name)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        deadline = time.monotonic() + 10
    return True


def _is_postmaster(pid: int, pgdata: Path) -> bool:
    """True while `pid` is the postmaster of `pgdata` (never signal a recycled PID)."""
    if stack.start_ticks(pid) is None:  # gone (a zombie child of ours is reaped)
        return False
    try:
        return str(pgdata) in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False


def load_stack(settings: Settings, var_dir: Path) -> DistributedStack:
    """The stack `up` recorded in `var_dir` (its ports and worker count)."""
    saved = json.loads((var_dir / "stack.json").read_text())
    return make_stack(
        settings, DistributedPorts(**saved["ports"]), workers=saved["workers"], var_dir=var_dir
    )
