"""`/api/movies` latency and throughput at 64 connections, beside a static-file baseline.

Two requests: `/api/movies` (the default page, 100 movies) and `/api/movies?limit=500` (the
front end's first page, about 150 KB). Publishes the shipped snapshot (621 movies, each with an
enrichment so the list carries every field the bubble chart uses) into a throwaway SQLite
serving database (or a throwaway PostgreSQL with `--backend postgres`), starts the API as
`make run` does (`python -m services.api`, one uvicorn process) and, on another port, a static
server (uvicorn + Starlette StaticFiles, the same uvicorn settings) serving the API's own
response bytes from a file, and the same bytes from memory (a plain Starlette route: the
ceiling of any Python ASGI server here). Then runs the three in turn for several rounds (order
rotated), the same number of requests each, with `bench/loadgen.py` in its own process, and
reports the medians and the API/static throughput ratio.

Targets (issue 6): p99 <= 25 ms and throughput >= 50% of the static baseline.
The machine may be shared: the load average before and after is recorded with the figures.

Run: `.venv/bin/python bench/api_latency.py [--rounds 5] [--requests 10000] [--backend sqlite]`
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results" / "api_latency.json"
PATHS = {"default": "/api/movies", "limit500": "/api/movies?limit=500"}  # frontend: limit=500
TARGET_P99_MS = 25.0
TARGET_RATIO = 0.5

from tests.utils.servers import (  # noqa: E402
    LOOPBACK,
    free_port,
    stop_process_group,
    wait_for_http,
)


def _publish(work: Path, url: str) -> int:
    """Publish the snapshot with one enrichment per movie; return the movie count."""
    from tests.utils.serving import enrichment, write_enrichments, write_inputs
    from trending_now.config import PublishParams
    from trending_now.features.snapshot import load_snapshot
    from trending_now.publish import run_stage

    movies, reviews = load_snapshot(ROOT / "data" / "snapshot" / "movies.jsonl.xz")
    write_inputs(work, movies, reviews)
    tags = ("dark", "feel-good", "slow-burn", "quirky", "epic")
    rows = [enrichment(int(m), score=1 + i % 10, tags=tuple(tags[(i + k) % 5] for k in (0, 1, 3)))
            for i, m in enumerate(movies["id"])]  # fmt: skip
    write_enrichments(work, rows)
    result = run_stage(validated_dir=work / "validated", enriched_dir=work / "enriched",
                       model_dir=None, db_url=url, params=PublishParams())  # fmt: skip
    return result.movies


@contextmanager
def _server(cmd: list[str], work: Path, name: str, env: dict[str, str]) -> Iterator[str]:
    """A server process on a free loopback port (`{port}` in cmd); yield its base URL."""
    port = free_port()
    log = work / f"{name}.log"
    argv = [a.replace("{port}", str(port)) for a in cmd]
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, cwd=work, env={**os.environ, **env}, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    try:
        wait_for_http(f"http://{LOOPBACK}:{port}/health", proc, log, timeout_s=120)
        yield f"http://{LOOPBACK}:{port}"
    finally:
        stop_process_group(proc)


def _static_app(directory: str) -> Any:
    """The baselines: StaticFiles (FileResponse) over the saved responses, and the same bytes
    from memory at /memory/<name>."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse, Response
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    bodies = {p.name: p.read_bytes() for p in Path(directory).glob("*.json")}

    async def memory(request: Request) -> Response:
        return Response(bodies[request.path_params["name"]], media_type="application/json")

    return Starlette(routes=[
        Route("/health", lambda request: PlainTextResponse("ok")),
        Route("/memory/{name}", memory),
        Mount("/static", StaticFiles(directory=directory)),
    ])  # fmt: skip


def _serve_static(directory: str, port: int) -> None:
    """`api_latency.py static DIR PORT`: uvicorn with the settings services.api uses."""
    import uvicorn

    uvicorn.run(_static_app(directory), host=LOOPBACK, port=port, log_level="warning",
                access_log=False)  # fmt: skip


def _load(url: str, connections: int, requests: int, warmup: int) -> dict[str, Any]:
    """One run of bench/loadgen.py in its own process."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "loadgen.py"), url, "--connections",
         str(connections), "--requests", str(requests), "--warmup", str(warmup)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return round(statistics.median(r[key] for r in runs), 2)


@contextmanager
def _database(backend: str, work: Path) -> Iterator[str]:
    """The serving URL of a throwaway database of `backend`."""
    if backend == "sqlite":
        yield f"sqlite:///{work / 'serving' / 'current.sqlite3'}"
        return
    from trending_now.ops.localdb import start_postgres

    server = start_postgres(work / "postgres")
    try:
        yield server.create_database("serving_bench")
    finally:
        server.stop()


def _compare(targets: dict[str, str], args: argparse.Namespace) -> dict[str, list[dict[str, Any]]]:
    """Each target `rounds` times, the order rotated every round."""
    names = list(targets)
    runs: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
    for r in range(args.rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            result = _load(targets[name], args.connections, args.requests, args.warmup)
            runs[name].append(result)
            shown = {k: result[k] for k in ("rps", "p50_ms", "p99_ms", "errors")}
            print(f"round {r + 1} {targets[name]}: {shown}", flush=True)
    return runs


def _summary(runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Medians per target, the ratios to the baselines and the verdict."""
    median = {k: {m: _median(v, m) for m in ("rps", "p50_ms", "p90_ms", "p99_ms")}
              for k, v in runs.items()}  # fmt: skip
    ratio = round(median["api"]["rps"] / median["static"]["rps"], 3)
    return {
        "median": median, "throughput_ratio": ratio,
        "ratio_to_memory": round(median["api"]["rps"] / median["memory"]["rps"], 3),
        "errors": sum(r["errors"] for v in runs.values() for r in v),
        "meets_targets": median["api"]["p99_ms"] <= TARGET_P99_MS and ratio >= TARGET_RATIO,
        "runs": runs,
    }  # fmt: skip


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Publish, start the API and the baseline server, measure each request kind."""
    load_before = os.getloadavg()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="api-latency-") as tmp:
        work = Path(tmp)
        with _database(args.backend, work) as url:
            movies = _publish(work, url)
            env = {"TRENDING_SERVING_DB_URL": url, "TRENDING_PROJECT_DIR": str(work),
                   "PYTHONPATH": str(ROOT)}  # fmt: skip
            api_cmd = [sys.executable, "-m", "services.api", "--host", LOOPBACK, "--port",
                       "{port}", "--log-level", "warning"]  # fmt: skip
            static_dir = work / "static"
            static_dir.mkdir()
            with _server(api_cmd, work, "api", env) as api:
                for name, path in PATHS.items():
                    (static_dir / f"{name}.json").write_bytes(httpx.get(api + path).content)
                static_cmd = [sys.executable, __file__, "static", str(static_dir), "{port}"]
                with _server(static_cmd, work, "static", {}) as static:
                    for name, path in PATHS.items():
                        body = (static_dir / f"{name}.json").read_bytes()
                        assert httpx.get(f"{static}/static/{name}.json").content == body
                        targets = {"api": api + path, "static": f"{static}/static/{name}.json",
                                   "memory": f"{static}/memory/{name}.json"}  # fmt: skip
                        summary = _summary(_compare(targets, args))
                        results[name] = {"path": path, "body_bytes": len(body), **summary}
    return {
        "backend": args.backend, "movies": movies, "connections": args.connections,
        "requests_per_run": args.requests, "warmup_per_run": args.warmup, "rounds": args.rounds,
        "targets": {"p99_ms": TARGET_P99_MS, "throughput_ratio": TARGET_RATIO},
        "results": results,
        "machine": _machine(load_before),
    }  # fmt: skip


def _machine(load_before: tuple[float, float, float]) -> dict[str, Any]:
    """CPUs, Python, and the load average around the run (the machine may be shared)."""
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
    }


def main(argv: Sequence[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["static"]:
        _serve_static(argv[1], int(argv[2]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--warmup", type=int, default=1_000)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    result = run(args)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for name, r in result["results"].items():
        print(name, json.dumps({k: r[k] for k in ("median", "throughput_ratio", "meets_targets")}))


if __name__ == "__main__":
    main()
