"""Shared file I/O for every stage: atomic writes, canonical JSON, snapshot-format readers.

Every writer here replaces its target atomically (a temporary sibling, then os.replace), so a
reader sees the old content or the new, never a partial file or a half-filled directory.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import lzma
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


def _replace_via_temp(path: Path, write: Callable[[Path], None]) -> None:
    """Write a temporary sibling of `path` with `write`, fsync it, then move it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write_text(path: Path, text: str) -> None:
    """Write `text` (UTF-8, "\\n" line ends) to `path` atomically."""

    def _write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)

    _replace_via_temp(path, _write)


def atomic_write_json(path: Path, data: Any) -> None:
    """Write `data` as sorted, indented JSON (non-JSON values as str), atomically."""
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def atomic_write_parquet(path: Path, frame: pd.DataFrame) -> None:
    """Write `frame` as Parquet (no index), atomically."""
    _replace_via_temp(path, lambda tmp: frame.to_parquet(tmp, index=False))


def dump_json_line(record: Any) -> str:
    """One record as a canonical JSON line (sorted keys, UTF-8 text, no trailing newline)."""
    return json.dumps(
        record, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )


def write_jsonl(path: Path, records: Iterable[Any]) -> None:
    """Atomically write records as canonical JSON Lines (an empty iterable gives an empty file)."""
    atomic_write_text(path, "".join(dump_json_line(r) + "\n" for r in records))


def write_json(path: Path, obj: Any) -> None:
    """Atomically write one canonical, indented JSON document with a trailing newline."""
    text = json.dumps(obj, sort_keys=True, ensure_ascii=False, indent=2, allow_nan=False)
    atomic_write_text(path, text + "\n")


@contextlib.contextmanager
def atomic_directory(final: Path) -> Iterator[Path]:
    """Yield an empty temporary directory that replaces `final` as a whole when the block succeeds.

    The swap is two renames (old out of the way, new in): a reader sees the old folder or the
    new one, never a mixture; on an error the staged folder is removed and `final` is untouched.
    """
    final.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}.", suffix=".tmp"))
    try:
        yield stage
        if not final.exists():
            os.replace(stage, final)
        else:
            old = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}.", suffix=".old"))
            os.replace(final, old / final.name)
            os.replace(stage, final)
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def open_text(path: Path) -> IO[str]:
    """Open a text file for reading, decompressing xz or gzip by their magic bytes."""
    with path.open("rb") as fh:
        magic = fh.read(6)
    if magic.startswith(b"\xfd7zXZ\x00"):
        return lzma.open(path, "rt", encoding="utf-8")
    if magic.startswith(b"\x1f\x8b"):
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """Yield one JSON object per non-blank line; anything else is an error naming the line."""
    with open_text(path) as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: not JSON ({exc.msg})") from exc
            if not isinstance(record, dict):
                raise ValueError(f"{path}:{number}: expected a JSON object per line")
            yield record
