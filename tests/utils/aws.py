"""A real moto server (the AWS emulator) on a free loopback port, for integration tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.utils.servers import free_port

FAKE_AWS_ENV = {
    # moto accepts any credentials; these are not secrets and never leave loopback.
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@contextmanager
def start_moto_server(log_dir: Path) -> Iterator[str]:
    """Run `moto_server` on loopback; yield its endpoint URL; stop its process group on exit."""
    port = free_port()
    exe = str(Path(sys.executable).parent / "moto_server")
    log_path = log_dir / f"moto-{port}.log"
    with log_path.open("wb") as log_fh:
        proc = subprocess.Popen(
            [exe, "-H", "127.0.0.1", "-p", str(port)],
            stdout=log_fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/moto-api/", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"moto server did not start: {log_path.read_text()[-500:]}")
            time.sleep(0.2)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
