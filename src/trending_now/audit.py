"""The append-only audit log: hash-chained JSON Lines under `var/audit/audit.jsonl`.

Every entry carries `seq`, `ts` (UTC ISO), `kind`, `actor` (a user, an Airflow run id, "cli"),
`details`, the git `commit` of the checkout, `prev_hash` and `hash`. `hash` is the SHA-256 of
the canonical JSON of the entry without `hash` (which includes `prev_hash`), so editing,
deleting, reordering or inserting any entry breaks the chain from there on and `verify` names
the first broken `seq` and why. A chain alone cannot tell that its last entries were cut off,
so each append also rewrites `<log>.head` (the last seq and hash) and `verify` compares the two;
copy the head somewhere else (a commit, a ticket) to anchor it. Appends hold an exclusive
`fcntl` lock on the file (several Airflow task processes may append at once) and are fsynced
before the lock is released.

Secrets never enter the log: keys that look like secrets (key, token, password, secret, salt,
credential, authorization) are redacted in `details`, recursively.
"""

from __future__ import annotations

import fcntl
import getpass
import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from trending_now.credentials import redact
from trending_now.io import atomic_write_text
from trending_now.workspace import git_commit

KINDS = frozenset(
    {
        "ingest",
        "training",
        "gate_decision",
        "promotion",
        "rollback",
        "prompt_version",
        "drift",
        "retrain_trigger",
        "enrichment",
    }
)
GENESIS_HASH = "0" * 64


@dataclass
class VerifyResult:
    """What `verify` found: how many entries were checked and the first break, if any."""

    path: Path
    entries: int = 0
    ok: bool = True
    broken_seq: int | None = None
    reason: str | None = None
    last_hash: str = GENESIS_HASH
    kinds: dict[str, int] = field(default_factory=dict)


def head_path(log_path: Path) -> Path:
    """`<log>.head`: the seq and hash of the last entry, rewritten by every append."""
    return log_path.with_name(log_path.name + ".head")


def _canonical(entry: dict[str, Any]) -> bytes:
    return json.dumps(
        entry, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


def entry_hash(entry: dict[str, Any]) -> str:
    """SHA-256 over the canonical JSON of the entry without its `hash` (prev_hash included)."""
    body = {k: v for k, v in entry.items() if k != "hash"}
    return hashlib.sha256(_canonical(body)).hexdigest()


def default_actor() -> str:
    """Who acts when the caller does not say: the Airflow run id inside a task, else the user."""
    run_id = os.environ.get("AIRFLOW_CTX_DAG_RUN_ID")
    if run_id:
        return f"airflow:{os.environ.get('AIRFLOW_CTX_DAG_ID', '?')}:{run_id}"
    try:
        return f"user:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _last_entry(fh: Any) -> dict[str, Any] | None:
    """The last non-blank line of the open log, parsed (None for an empty log)."""
    fh.seek(0, os.SEEK_END)
    end = fh.tell()
    if end == 0:
        return None
    chunk = 4096
    pos, tail = end, b""
    while pos > 0:
        step = min(chunk, pos)
        pos -= step
        fh.seek(pos)
        tail = fh.read(step) + tail
        lines = [ln for ln in tail.split(b"\n") if ln.strip()]
        if len(lines) >= 2 or (pos == 0 and lines):
            last: dict[str, Any] = json.loads(lines[-1])
            return last
    return None


def append_event(
    log_path: Path, kind: str, details: dict[str, Any], *, actor: str | None = None
) -> dict[str, Any]:
    """Append one event to the chain and return the entry as written (with its hash).

    The git commit is HEAD of the checkout the log lives in (None outside git).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown audit kind {kind!r}: expected one of {sorted(KINDS)}")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    commit = git_commit(log_path.parent)
    # Plain JSON data only: objects as str(), NaN/Infinity as the strings "NaN"/"Infinity".
    safe_details = json.loads(json.dumps(redact(details), default=str), parse_constant=str)
    fd = os.open(log_path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o640)
    with os.fdopen(fd, "r+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            last = _last_entry(fh)
            entry: dict[str, Any] = {
                "seq": (int(last["seq"]) + 1) if last else 1,
                "ts": datetime.now(UTC).isoformat(),
                "kind": kind,
                "actor": actor or default_actor(),
                "details": safe_details,
                "commit": commit,
                "prev_hash": str(last["hash"]) if last else GENESIS_HASH,
            }
            entry["hash"] = entry_hash(entry)
            fh.seek(0, os.SEEK_END)
            fh.write(_canonical(entry) + b"\n")
            fh.flush()
            os.fsync(fh.fileno())
            head = {"seq": entry["seq"], "hash": entry["hash"]}
            atomic_write_text(head_path(log_path), json.dumps(head) + "\n")
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    return entry


def read_entries(log_path: Path) -> list[dict[str, Any]]:
    """Every entry of the log, in file order (no verification; use `verify` for that)."""
    if not log_path.exists():
        return []
    return [json.loads(ln) for ln in log_path.read_text("utf-8").splitlines() if ln.strip()]


def verify(log_path: Path) -> VerifyResult:
    """Walk the chain; report the first entry whose seq, prev_hash or hash does not hold.

    A missing log verifies as empty (nothing was recorded yet), which is not an error.
    """
    result = VerifyResult(path=log_path)
    if not log_path.exists():
        return result
    prev, expected_seq = GENESIS_HASH, 1
    for number, line in enumerate(log_path.read_text("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as exc:
            return _broken(result, expected_seq, f"line {number} is not JSON ({exc.msg})")
        if not isinstance(entry, dict):
            return _broken(result, expected_seq, f"line {number} is not a JSON object")
        seq = entry.get("seq")
        if seq != expected_seq:
            why = f"line {number}: seq {seq!r} where {expected_seq} was expected"
            return _broken(result, expected_seq, why + " (an entry was deleted or inserted)")
        if entry.get("prev_hash") != prev:
            why = "prev_hash does not match the previous entry's hash"
            return _broken(result, expected_seq, why + " (an entry before it changed or went)")
        if entry.get("hash") != entry_hash(entry):
            return _broken(result, expected_seq, "hash does not match the content (edited)")
        prev = str(entry["hash"])
        result.entries += 1
        result.last_hash = prev
        kind = str(entry.get("kind"))
        result.kinds[kind] = result.kinds.get(kind, 0) + 1
        expected_seq += 1
    return _check_head(result, expected_seq - 1)


def _check_head(result: VerifyResult, last_seq: int) -> VerifyResult:
    """The head file must name the chain's last entry (else entries were cut off the end)."""
    path = head_path(result.path)
    if not path.exists():
        return result
    head = json.loads(path.read_text(encoding="utf-8"))
    if head.get("seq") == last_seq and head.get("hash") == result.last_hash:
        return result
    why = (
        f"the log ends at seq {last_seq} but its head file names seq {head.get('seq')} "
        "(entries were deleted from the end, or the head was edited)"
    )
    return _broken(result, last_seq + 1, why)


def _broken(result: VerifyResult, seq: int, reason: str) -> VerifyResult:
    result.ok, result.broken_seq, result.reason = False, seq, reason
    return result
