"""The shipped real-data snapshot is intact and is what its README says it is."""

from __future__ import annotations

import hashlib
import json
import lzma
from pathlib import Path

SNAPSHOT = Path(__file__).resolve().parents[2] / "data" / "snapshot"
SHA256 = "92faac4a0ea26b529bbdcef64a790d6a17e0d813c328f61a445c2ad46e994688"


def test_snapshot_bytes_match_the_documented_hash() -> None:
    raw = lzma.decompress((SNAPSHOT / "movies.jsonl.xz").read_bytes())
    assert hashlib.sha256(raw).hexdigest() == SHA256
    assert SHA256 in (SNAPSHOT / "README.md").read_text()


def test_snapshot_counts_match_stats() -> None:
    stats = json.loads((SNAPSHOT / "stats.json").read_text())
    lines = lzma.decompress((SNAPSHOT / "movies.jsonl.xz").read_bytes()).splitlines()
    movies = [json.loads(line) for line in lines]
    assert len(movies) == stats["movies"] == 621
    assert sum(len(m["reviews"]) for m in movies) == stats["reviews"] == 8895
    assert len({m["id"] for m in movies}) == len(movies)


def test_snapshot_carries_attribution() -> None:
    readme = (SNAPSHOT / "README.md").read_text()
    assert "not endorsed or certified by TMDB" in readme
    assert "Maas et al." in readme
