"""Start local servers for integration tests and benchmarks: free ports, the replay source."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SNAPSHOT = PROJECT_ROOT / "data" / "snapshot" / "movies.jsonl.xz"
TEST_API_KEY = "test-replay-key-0123456789"
LOOPBACK = "127.0.0.1"
FAULT_FLAGS = {
    "error_rate": "--error-rate",
    "rate_limit_rate": "--rate-limit-rate",
    "malformed_rate": "--malformed-rate",
    "latency_ms": "--latency-ms",
    "retry_after_s": "--retry-after-s",
    "seed": "--seed",
    "drift": "--drift",  # a drift profile of services/source/drift.py, e.g. "genres"
    "drift_seed": "--drift-seed",
}


def free_port() -> int:
    """A TCP port on loopback that was free a moment ago (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def _fault_args(faults: Mapping[str, float | int | str | None] | None) -> list[str]:
    """Command-line flags for the fault switches (unknown names are an error)."""
    args: list[str] = []
    for name, value in (faults or {}).items():
        if name not in FAULT_FLAGS:
            raise ValueError(f"unknown fault switch {name!r}; known: {sorted(FAULT_FLAGS)}")
        if value is not None:
            args += [FAULT_FLAGS[name], str(value)]
    return args


def wait_for_http(url: str, proc: subprocess.Popen[bytes], log: Path, timeout_s: float) -> None:
    """Poll `url` until it answers 200; fail early (with the log) if the process dies."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        time.sleep(0.1)
    raise TimeoutError(f"{url} not healthy after {timeout_s}s:\n{log.read_text()[-4000:]}")


def stop_process_group(proc: subprocess.Popen[bytes], grace_s: float = 5.0) -> None:
    """SIGTERM the process's group, then SIGKILL it if it does not exit within `grace_s`."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=grace_s)


@contextlib.contextmanager
def start_source_server(
    tmp_path: Path,
    port: int | None = None,
    snapshot: Path | None = None,
    faults: Mapping[str, float | int | str | None] | None = None,
    api_key: str = TEST_API_KEY,
    startup_timeout_s: float = 30.0,
) -> Iterator[str]:
    """Run `python -m services.source` in its own process group; yield its `/3` base URL.

    The server log goes to `tmp_path/source-server-<port>.log`. On exit the whole process
    group is terminated, whatever happened inside the block.
    """
    port = port or free_port()
    log = tmp_path / f"source-server-{port}.log"
    cmd = [sys.executable, "-m", "services.source", "--host", LOOPBACK, "--port", str(port)]
    cmd += ["--snapshot", str(snapshot or DEFAULT_SNAPSHOT), "--log-level", "warning"]
    env = {**os.environ, "TRENDING_TMDB_API_KEY": api_key, "PYTHONUNBUFFERED": "1"}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd + _fault_args(faults),
            cwd=tmp_path,  # keeps a developer's .env out of the server's settings
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_http(f"http://{LOOPBACK}:{port}/health", proc, log, startup_timeout_s)
        yield f"http://{LOOPBACK}:{port}/3"
    finally:
        stop_process_group(proc)
