"""Publishing while the real API (uvicorn, own process) is under concurrent load: 0 failed
requests, every response from one build, each client sees builds only move forward, and the
last build becomes visible. On SQLite and on a real PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.utils.factories import make_validated
from tests.utils.servers import LOOPBACK, free_port, stop_process_group, wait_for_http
from tests.utils.serving import ServingBackend, serving_backend, write_inputs
from trending_now.config import PublishParams
from trending_now.publish import run_stage
from trending_now.workspace import data_version

__all__ = ["serving_backend"]
pytestmark = pytest.mark.integration
N_MOVIES = 40
BUILDS = 4  # the first before the load starts, three during it
CLIENTS = 16


@dataclass
class Load:
    """What the load generator saw: failures, and each client's sequence of builds."""

    versions: dict[str, int]  # data_version -> build number
    stop: threading.Event = field(default_factory=threading.Event)
    requests: int = 0
    failures: list[str] = field(default_factory=list)
    seen: dict[int, list[int]] = field(default_factory=dict)  # client -> builds, in order


def _datasets(root: Path) -> list[Path]:
    """BUILDS validated datasets: the same movie ids, titles marked with the build number."""
    dirs = []
    for k in range(BUILDS):
        movies, reviews = make_validated(N_MOVIES, seed=1)
        movies["title"] = [f"{t} [b{k}]" for t in movies["title"]]
        write_inputs(root / f"input-{k}", movies, reviews)
        dirs.append(root / f"input-{k}" / "validated")
    return dirs


def _publish(validated: Path, url: str) -> None:
    run_stage(validated_dir=validated, enriched_dir=validated.parent / "none", model_dir=None,
              db_url=url, params=PublishParams())  # fmt: skip


def _check_list(body: dict[str, object], load: Load) -> int:
    """The build number of a list response; raises unless every movie is from that build."""
    k = load.versions[str(body["data_version"])]
    data = body["data"]
    assert isinstance(data, list) and body["count"] == N_MOVIES == len(data), body["count"]
    assert all(m["title"].endswith(f"[b{k}]") for m in data), f"mixed builds in one list ({k})"
    return k


def _check_detail(body: dict[str, object], load: Load) -> int:
    lineage = body["lineage"]
    assert isinstance(lineage, dict)
    k = load.versions[str(lineage["data_version"])]
    assert str(body["title"]).endswith(f"[b{k}]"), f"title of another build than lineage {k}"
    return k


async def _client(number: int, base: str, load: Load) -> None:
    seen = load.seen.setdefault(number, [])
    async with httpx.AsyncClient(base_url=base, timeout=30.0) as client:
        i = 0
        while not load.stop.is_set():
            i += 1
            path = "/api/movies?limit=500" if i % 2 else f"/api/movies/{100 + i % N_MOVIES}"
            try:
                response = await client.get(path)
                load.requests += 1
                if response.status_code != 200:
                    load.failures.append(f"{path}: HTTP {response.status_code} {response.text}")
                    continue
                check = _check_list if i % 2 else _check_detail
                seen.append(check(response.json(), load))
            except (httpx.HTTPError, AssertionError, KeyError) as exc:
                load.failures.append(f"{path}: {type(exc).__name__}: {exc}")


def _run_load(base: str, load: Load) -> None:
    async def main() -> None:
        await asyncio.gather(*(_client(n, base, load) for n in range(CLIENTS)))

    asyncio.run(main())


@contextmanager
def _api(root: Path, url: str) -> Iterator[str]:
    """The API in its own process (as `make run` starts it) on a free loopback port."""
    port = free_port()
    log = root / "api.log"
    env = {**os.environ, "TRENDING_SERVING_DB_URL": url, "TRENDING_PROJECT_DIR": str(root)}
    cmd = [sys.executable, "-m", "services.api", "--host", LOOPBACK, "--port", str(port),
           "--log-level", "warning"]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)  # fmt: skip
    try:
        wait_for_http(f"http://{LOOPBACK}:{port}/ready", proc, log, timeout_s=60)
        yield f"http://{LOOPBACK}:{port}"
    finally:
        stop_process_group(proc)


def _served(load: Load, k: int) -> int:
    """How many responses of build `k` the clients got so far."""
    return sum(s.count(k) for s in list(load.seen.values()))


def _wait_served(load: Load, k: int) -> None:
    _wait(lambda: _served(load, k) >= CLIENTS)


def _wait(condition: Callable[[], bool], timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)


def test_publishing_under_load_fails_no_request(
    tmp_path: Path, serving_backend: ServingBackend
) -> None:
    url = serving_backend.url(tmp_path)
    inputs = _datasets(tmp_path)
    versions = {data_version(None, validated): k for k, validated in enumerate(inputs)}
    assert len(versions) == BUILDS
    _publish(inputs[0], url)
    with _api(tmp_path, url) as base:
        load = Load(versions)
        worker = threading.Thread(target=_run_load, args=(base, load), daemon=True)
        worker.start()
        for k, validated in enumerate(inputs[1:], start=1):
            _wait_served(load, k - 1)  # the clients have seen the build before
            _publish(validated, url)
        _wait(lambda: all(s and s[-1] == BUILDS - 1 for s in load.seen.values()))
        load.stop.set()
        worker.join(timeout=60)
        final = httpx.get(f"{base}/api/movies", params={"limit": 1}).json()["data_version"]
    assert load.failures == [], load.failures[:5]
    assert len(load.seen) == CLIENTS and load.requests >= 100
    assert load.versions[final] == BUILDS - 1, "the last build is what the API serves"
    assert {k for s in load.seen.values() for k in s} == set(range(BUILDS))
    for sequence in load.seen.values():  # once a client saw a build, never an older one
        assert sequence == sorted(sequence) and sequence[-1] == BUILDS - 1
