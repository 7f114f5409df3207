"""PostgreSQL and Redis from Debian's packages on loopback, for tests and `make run-distributed`.

PostgreSQL refuses to run as root: when we are root, `initdb` and `pg_ctl` run as the `postgres`
user the Debian package creates, on a data directory owned by that user. Each server gets its own
throwaway directory and port; `stop()` shuts it down and waits. Nothing listens beyond 127.0.0.1.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

LOOPBACK = "127.0.0.1"
PG_BIN_DIRS = tuple(f"/usr/lib/postgresql/{v}/bin" for v in (17, 16, 15))


class LocalServerError(RuntimeError):
    """A local server is not installed or did not start; the message says what to do."""


def free_port() -> int:
    """A TCP port on loopback that was free a moment ago (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def _wait_port(port: int, timeout_s: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            if sock.connect_ex((LOOPBACK, port)) == 0:
                return
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
    raise LocalServerError(f"{what} not listening on {LOOPBACK}:{port} after {timeout_s}s\n{tail}")


def pg_bin_dir() -> Path:
    """The directory holding initdb/pg_ctl of the installed PostgreSQL."""
    for candidate in PG_BIN_DIRS:
        if (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    raise LocalServerError(
        "PostgreSQL server binaries not found: install Debian's package "
        "(`make sysdeps`, or `apt-get install -y postgresql`)"
    )


def as_postgres(argv: list[str]) -> list[str]:
    """Run as the `postgres` user when we are root (the server refuses root)."""
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", "postgres", "--", *argv]


@dataclass
class PostgresServer:
    """A running throwaway PostgreSQL cluster."""

    data_dir: Path
    port: int
    log: Path
    user: str = "postgres"

    def url(self, database: str = "postgres", driver: str = "postgresql+psycopg") -> str:
        """SQLAlchemy URL (psycopg 3 by default) of `database` on this server."""
        return f"{driver}://{self.user}@{LOOPBACK}:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create `name` (if missing) and return its SQLAlchemy URL."""
        import psycopg

        with psycopg.connect(self.url(driver="postgresql"), autocommit=True) as conn:
            query = "SELECT 1 FROM pg_database WHERE datname = %s"
            exists = conn.execute(query, (name,)).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        """Fast shutdown, waiting for the server to exit."""
        subprocess.run(
            as_postgres(
                [str(pg_bin_dir() / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"]
            ),
            check=False,
            capture_output=True,
        )


def start_postgres(
    base_dir: Path, port: int | None = None, timeout_s: float = 60.0
) -> PostgresServer:
    """initdb a cluster under `base_dir` (trust auth on loopback) and start it on `port`."""
    bin_dir = pg_bin_dir()
    port = port or free_port()
    base_dir.mkdir(parents=True, exist_ok=True)
    data_dir = base_dir / "pgdata"
    log = base_dir / "postgres.log"
    sock_dir = base_dir / "sock"
    sock_dir.mkdir(exist_ok=True)
    if os.geteuid() == 0:
        pg = pwd.getpwnam("postgres")
        for path in (base_dir, sock_dir):
            os.chown(path, pg.pw_uid, pg.pw_gid)
        # runuser must be able to reach the directory through its parents.
        for parent in base_dir.parents:
            mode = parent.stat().st_mode
            if not mode & 0o001:
                os.chmod(parent, mode | 0o001)
    if not (data_dir / "PG_VERSION").exists():
        init = subprocess.run(
            as_postgres(
                [
                    str(bin_dir / "initdb"),
                    "-D",
                    str(data_dir),
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "-E",
                    "UTF8",
                    "--no-locale",
                ]
            ),
            capture_output=True,
            text=True,
            check=False,
        )
        if init.returncode != 0:
            raise LocalServerError(f"initdb failed: {init.stderr[-2000:]}")
    opts = (
        f"-c listen_addresses={LOOPBACK} -p {port} -k {sock_dir}"
        " -c fsync=off -c max_connections=200"
    )
    start = subprocess.run(
        as_postgres(
            [
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data_dir),
                "-l",
                str(log),
                "-o",
                opts,
                "-w",
                "start",
            ]
        ),
        capture_output=True,
        text=True,
        check=False,
    )
    if start.returncode != 0:
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise LocalServerError(f"pg_ctl start failed: {start.stderr[-2000:]}\n{tail}")
    _wait_port(port, timeout_s, "PostgreSQL", log)
    return PostgresServer(data_dir=data_dir, port=port, log=log)


@dataclass
class RedisServer:
    """A running throwaway Redis (no persistence)."""

    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"redis://{LOOPBACK}:{self.port}/0"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start_redis(base_dir: Path, port: int | None = None, timeout_s: float = 30.0) -> RedisServer:
    """Start Debian's `redis-server` on loopback with persistence off."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        raise LocalServerError("redis-server not found: `make sysdeps` installs Debian's package")
    port = port or free_port()
    base_dir.mkdir(parents=True, exist_ok=True)
    log = base_dir / "redis.log"
    argv = [
        binary,
        "--bind",
        LOOPBACK,
        "--port",
        str(port),
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(base_dir),
        "--logfile",
        str(log),
    ]
    proc = subprocess.Popen(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    _wait_port(port, timeout_s, "Redis", log)
    return RedisServer(port=port, proc=proc, log=log)
