"""The audit log: a hash chain that detects edits, deletions and reordering; secrets redacted;
concurrent writers serialised by the file lock."""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from trending_now import audit
from trending_now.audit import append_event, verify
from trending_now.credentials import REDACTED

BIN = Path(sys.executable).parent


def _log(tmp_path: Path, n: int = 4) -> Path:
    path = tmp_path / "audit" / "audit.jsonl"
    for i in range(n):
        append_event(path, "training", {"i": i, "models": ["genre-xgb"]}, actor="test")
    return path


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _write(path: Path, entries: list[dict[str, object]]) -> None:
    path.write_text("".join(json.dumps(e, sort_keys=True) + "\n" for e in entries))


def test_entries_chain_and_verify(tmp_path: Path) -> None:
    path = _log(tmp_path)
    entries = _lines(path)
    assert [e["seq"] for e in entries] == [1, 2, 3, 4]
    assert entries[0]["prev_hash"] == audit.GENESIS_HASH
    for before, after in itertools.pairwise(entries):
        assert after["prev_hash"] == before["hash"]
    assert all(e["hash"] == audit.entry_hash(e) for e in entries)
    assert {e["actor"] for e in entries} == {"test"}
    result = verify(path)
    assert (result.ok, result.entries, result.kinds) == (True, 4, {"training": 4})


def test_an_edited_entry_is_detected_at_its_seq(tmp_path: Path) -> None:
    path = _log(tmp_path)
    entries = _lines(path)
    entries[1]["details"] = {"i": 99, "models": ["genre-xgb"]}
    _write(path, entries)
    result = verify(path)
    assert (result.ok, result.broken_seq, result.entries) == (False, 2, 1)
    assert "edited" in str(result.reason)


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link(tmp_path: Path) -> None:
    path = _log(tmp_path)
    entries = _lines(path)
    entries[1]["actor"] = "someone-else"
    entries[1]["hash"] = audit.entry_hash(entries[1])  # the forger fixes this entry's hash
    _write(path, entries)
    result = verify(path)
    assert (result.ok, result.broken_seq) == (False, 3)
    assert "prev_hash" in str(result.reason)


@pytest.mark.parametrize("index", [0, 2, 3])
def test_a_deleted_entry_is_detected(tmp_path: Path, index: int) -> None:
    path = _log(tmp_path)
    entries = _lines(path)
    del entries[index]
    _write(path, entries)
    result = verify(path)
    assert (result.ok, result.broken_seq) == (False, index + 1)
    assert "deleted" in str(result.reason)


def test_a_garbled_line_is_reported(tmp_path: Path) -> None:
    path = _log(tmp_path, 2)
    path.write_text(path.read_text() + "{not json\n")
    result = verify(path)
    assert (result.ok, result.broken_seq) == (False, 3)


def test_secrets_never_reach_the_log(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    entry = append_event(
        path,
        "prompt_version",
        {
            "name": "enrich",
            "llm_api_key": "sk-live-123",
            "nested": {"password": "hunter2", "token": SecretStr("t0k3n"), "keep": 1},
            "list": [{"aws_secret_access_key": "x"}],
            "cache_key": "not-a-secret",
        },
    )
    text = path.read_text()
    for secret in ("sk-live-123", "hunter2", "t0k3n"):
        assert secret not in text
    assert entry["details"]["nested"]["keep"] == 1
    assert entry["details"]["llm_api_key"] == REDACTED
    assert entry["details"]["list"][0]["aws_secret_access_key"] == REDACTED
    assert entry["details"]["cache_key"] == "not-a-secret"
    assert append_event(path, "prompt_version", {"secret_version_id": "v-1"})["details"] == {
        "secret_version_id": "v-1"
    }  # the id of a Secrets Manager version names it, it is not the secret
    assert verify(path).ok


def test_non_finite_numbers_are_recorded_as_text(tmp_path: Path) -> None:
    entry = append_event(tmp_path / "a.jsonl", "gate_decision", {"diff": float("nan")})
    assert entry["details"]["diff"] == "NaN"
    assert verify(tmp_path / "a.jsonl").ok


def test_unknown_kinds_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown audit kind"):
        append_event(tmp_path / "a.jsonl", "coffee", {})


def test_the_commit_is_recorded_inside_a_git_checkout(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(
        [
            "git",
            "-C",
            str(tmp_path),
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "x",
        ],
        check=True,
    )
    head = subprocess.run(
        ["git", "-C", str(tmp_path), "rev-parse", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    entry = append_event(tmp_path / "var" / "audit" / "audit.jsonl", "ingest", {"run_id": "r"})
    assert entry["commit"] == head
    assert append_event(tmp_path.parent / "outside.jsonl", "ingest", {})["commit"] in (None, head)


def _append_many(path: str, worker: int, n: int) -> None:
    for i in range(n):
        append_event(Path(path), "drift", {"worker": worker, "i": i}, actor=f"w{worker}")


def test_concurrent_writers_keep_the_chain_intact(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_append_many, args=(str(path), w, 15)) for w in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
        assert w.exitcode == 0
    result = verify(path)
    assert (result.ok, result.entries) == (True, 60)
    assert sorted(e["seq"] for e in _lines(path)) == list(range(1, 61))


def test_cli_verify_exits_non_zero_on_tampering(tmp_path: Path) -> None:
    path = _log(tmp_path, 3)
    env = {**os.environ, "TRENDING_VAR_DIR": str(tmp_path / "var")}
    ok = subprocess.run(
        [BIN / "trending", "audit", "verify", "--log", str(path)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert ok.returncode == 0, ok.stderr
    assert "3 entries" in ok.stderr
    entries = _lines(path)
    entries[0]["kind"] = "rollback"
    _write(path, entries)
    bad = subprocess.run(
        [BIN / "trending", "audit", "verify", "--log", str(path)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert bad.returncode == 1
    assert "seq 1" in bad.stderr
