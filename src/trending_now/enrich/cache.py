"""A SQLite cache of validated provider results, keyed by what determines them.

Key = (movie content hash, prompt version, provider, model): a re-run with unchanged inputs
reads every result from here and makes zero provider calls. Only validated replies are stored
(failures are retried on the next run). One connection, used from the stage's main thread.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    content_hash TEXT NOT NULL,
    prompt_version TEXT NOT NULL,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    payload TEXT NOT NULL,
    PRIMARY KEY (content_hash, prompt_version, provider, model)
)
"""


@dataclass(frozen=True)
class CacheKey:
    """What a cached result depends on."""

    content_hash: str
    prompt_version: str
    provider: str
    model: str


class EnrichCache:
    """Validated results by CacheKey, persisted in one SQLite file."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path)
        self._db.execute(_SCHEMA)
        self._db.commit()

    def get(self, key: CacheKey) -> dict[str, Any] | None:
        """The stored payload for `key`, or None."""
        row = self._db.execute(
            "SELECT payload FROM results WHERE content_hash=? AND prompt_version=? "
            "AND provider=? AND model=?",
            (key.content_hash, key.prompt_version, key.provider, key.model),
        ).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def put(self, key: CacheKey, payload: dict[str, Any]) -> None:
        """Store (or replace) the payload for `key`; committed at once."""
        self._db.execute(
            "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?)",
            (key.content_hash, key.prompt_version, key.provider, key.model, _dump(payload)),
        )
        self._db.commit()

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM results").fetchone()[0])

    def close(self) -> None:
        """Close the database connection."""
        self._db.close()

    def __enter__(self) -> EnrichCache:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _dump(payload: dict[str, Any]) -> str:
    """Canonical JSON for storage."""
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
