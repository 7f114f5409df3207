"""Raw run folder: canonical JSON Lines, atomic writes and swaps, run ids, LATEST."""

from __future__ import annotations

from pathlib import Path

import pytest

from trending_now.ingest import raw
from trending_now.ingest.raw import RawRun, UnparsedLine
from trending_now.io import atomic_directory, atomic_write_text, dump_json_line


def _run() -> RawRun:
    return RawRun(
        trending=[{"rank": 1, "id": 7, "window": "week"}],
        movies=[{"id": 7, "details": {"title": "Ünïcode ☃", "id": 7}, "watch_providers": None}],
        reviews=[{"movie_id": 7, "review": {"id": "r", "content": "x"}}],
        failures=[],
    )


def _manifest(run_id: str = "run-1") -> dict[str, object]:
    return {"run_id": run_id, "source": "test", "counts": _run().counts()}


def test_dump_json_line_is_canonical() -> None:
    line = dump_json_line({"b": 1, "a": {"d": "é", "c": None}})
    assert line == '{"a":{"c":null,"d":"é"},"b":1}'


def test_dump_json_line_refuses_nan() -> None:
    with pytest.raises(ValueError, match="Out of range float"):
        dump_json_line({"x": float("nan")})


def test_write_run_writes_all_files(tmp_path: Path) -> None:
    run_dir = raw.write_run(tmp_path, "run-1", _run(), _manifest())
    assert run_dir == tmp_path / "run-1"
    names = {p.name for p in run_dir.iterdir()}
    assert names == {
        "trending.jsonl",
        "movies.jsonl",
        "reviews.jsonl",
        "failures.jsonl",
        "manifest.json",
    }
    assert (run_dir / "failures.jsonl").read_bytes() == b""
    lines = (run_dir / "movies.jsonl").read_text(encoding="utf-8").splitlines()
    assert lines == ['{"details":{"id":7,"title":"Ünïcode ☃"},"id":7,"watch_providers":null}']
    assert raw.read_manifest(run_dir)["counts"] == {
        "trending": 1,
        "movies": 1,
        "reviews": 1,
        "failures": 0,
    }


def test_rewrite_is_byte_identical_and_leaves_no_temp_files(tmp_path: Path) -> None:
    first = raw.write_run(tmp_path, "run-1", _run(), _manifest())
    before = {p.name: p.read_bytes() for p in first.iterdir()}
    raw.write_run(tmp_path, "run-1", _run(), _manifest())
    assert {p.name: p.read_bytes() for p in first.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run-1"]


def test_failed_write_keeps_the_previous_run(tmp_path: Path) -> None:
    raw.write_run(tmp_path, "run-1", _run(), _manifest())
    broken = RawRun(movies=[{"id": 1, "x": float("inf")}])
    with pytest.raises(ValueError, match="Out of range"):
        raw.write_run(tmp_path, "run-1", broken, _manifest())
    assert raw.read_jsonl(tmp_path / "run-1" / "movies.jsonl") == _run().movies
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run-1"]


@pytest.mark.parametrize(
    "run_id",
    ["", ".", "..", ".hidden", "-rf", "a/b", "../x", "LATEST", "x y", "a\\b", "é", "x" * 129],
)
def test_check_run_id_rejects_unsafe_names(run_id: str) -> None:
    with pytest.raises(ValueError, match="invalid run id"):
        raw.check_run_id(run_id)


@pytest.mark.parametrize("run_id", ["2026-03-09", "run_1.a", "A", "_x", "x" * 128])
def test_check_run_id_accepts_safe_names(run_id: str) -> None:
    assert raw.check_run_id(run_id) == run_id


def test_latest_round_trip(tmp_path: Path) -> None:
    raw.write_run(tmp_path, "run-1", _run(), _manifest())
    raw.write_latest(tmp_path, "run-1")
    assert (tmp_path / "LATEST").read_text() == "run-1\n"
    assert raw.read_latest(tmp_path) == "run-1"


def test_latest_needs_the_run_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="write the run before LATEST"):
        raw.write_latest(tmp_path, "missing")


def test_read_latest_without_a_run(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="run the ingest stage first"):
        raw.read_latest(tmp_path)


def test_read_latest_refuses_a_tampered_pointer(tmp_path: Path) -> None:
    (tmp_path / "LATEST").write_text("../../etc\n")
    with pytest.raises(ValueError, match="invalid run id"):
        raw.read_latest(tmp_path)


def test_read_jsonl_keeps_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text('{"a":1}\n\nnot json\n[2]\n', encoding="utf-8")
    records = raw.read_jsonl(path)
    assert records[0] == {"a": 1}
    assert isinstance(records[1], UnparsedLine)
    assert (records[1].line_no, records[1].text) == (3, "not json")
    assert records[2] == [2]


def test_atomic_write_text_replaces_content(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "f.txt"
    atomic_write_text(path, "one")
    atomic_write_text(path, "two")
    assert path.read_text() == "two"
    assert [p.name for p in path.parent.iterdir()] == ["f.txt"]


def test_staged_dir_discards_on_error(tmp_path: Path) -> None:
    final = tmp_path / "out"
    final.mkdir()
    (final / "keep.txt").write_text("old")

    def write_then_fail() -> None:
        with atomic_directory(final) as stage:
            (stage / "new.txt").write_text("new")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        write_then_fail()
    assert [p.name for p in final.iterdir()] == ["keep.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_staged_dir_swaps_whole_folder(tmp_path: Path) -> None:
    final = tmp_path / "out"
    final.mkdir()
    (final / "stale.txt").write_text("old")
    with atomic_directory(final) as stage:
        (stage / "new.txt").write_text("new")
    assert [p.name for p in final.iterdir()] == ["new.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
