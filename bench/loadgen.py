"""A small closed-loop HTTP/1.1 load generator: C keep-alive connections, N GETs of one URL.

Raw asyncio streams on uvloop rather than an HTTP client library, so the generator costs far
less CPU per request than the servers it measures (on a 2-core machine it shares their CPU).
Each connection sends a request, reads the whole response (Content-Length framed), records the
latency and sends the next; every response must be 200 with the expected body length.

Run: `python bench/loadgen.py http://127.0.0.1:8000/path --connections 64 --requests 20000`
prints one JSON object (requests, errors, seconds, rps, p50/p90/p99/max in ms, body bytes).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit


class Counter:
    """Requests left to send, shared by the connections."""

    def __init__(self, total: int) -> None:
        self.left = total

    def take(self) -> bool:
        if self.left <= 0:
            return False
        self.left -= 1
        return True


async def _response(reader: asyncio.StreamReader) -> tuple[int, int]:
    """Read one response; return (status, body length)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length = None
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if length is None:
        raise RuntimeError("response without Content-Length")
    await reader.readexactly(length)
    return status, length


async def _connection(
    host: str, port: int, request: bytes, counter: Counter, latencies: list[float],
    errors: list[str], expect_bytes: int | None,
) -> None:  # fmt: skip
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while counter.take():
            start = time.perf_counter()
            writer.write(request)
            status, length = await _response(reader)
            latencies.append(time.perf_counter() - start)
            if status != 200 or (expect_bytes is not None and length != expect_bytes):
                errors.append(f"status {status}, {length} bytes")
    except (OSError, asyncio.IncompleteReadError, RuntimeError) as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        writer.close()


async def run(url: str, connections: int, requests: int, warmup: int) -> dict[str, Any]:
    """Warm up, then send `requests` GETs over `connections` connections; summarise."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    request = f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: */*\r\n\r\n".encode()
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(request)
    _, expect_bytes = await _response(reader)
    writer.close()

    async def burst(total: int) -> tuple[list[float], list[str], float]:
        latencies: list[float] = []
        errors: list[str] = []
        counter = Counter(total)
        start = time.perf_counter()
        await asyncio.gather(*(
            _connection(host, port, request, counter, latencies, errors, expect_bytes)
            for _ in range(connections)
        ))  # fmt: skip
        return latencies, errors, time.perf_counter() - start

    await burst(warmup)
    latencies, errors, seconds = await burst(requests)
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {
        "url": url, "connections": connections, "requests": len(latencies),
        "errors": len(errors), "error_samples": errors[:5], "seconds": round(seconds, 3),
        "rps": round(len(latencies) / seconds, 1), "p50_ms": round(cuts[49] * 1e3, 2),
        "p90_ms": round(cuts[89] * 1e3, 2), "p99_ms": round(cuts[98] * 1e3, 2),
        "max_ms": round(max(latencies) * 1e3, 2), "body_bytes": expect_bytes,
    }  # fmt: skip


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--warmup", type=int, default=1_000)
    args = parser.parse_args(argv)
    coro = run(args.url, args.connections, args.requests, args.warmup)
    try:
        import uvloop
    except ImportError:
        result = asyncio.run(coro)
    else:
        result = uvloop.run(coro)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
