"""The local stack starts real processes, is idempotent, refuses a taken port, and stops exactly
what it started (`make run` / `make down`)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from tests.utils.servers import free_port
from trending_now.config import Settings
from trending_now.ops import stack

pytestmark = pytest.mark.integration

SERVICES = ["moto", "source"]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        var_dir=tmp_path / "var",
        source_port=free_port(),
        moto_port=free_port(),
        tmdb_api_key="stack-test-key-0123456789",
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "zombie" not in _state(pid)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:")[1].split("\n")[0].lower()
    except (OSError, IndexError):
        return "zombie"


def test_up_twice_is_harmless_and_down_stops_exactly_those(settings: Settings) -> None:
    try:
        first = {r.name: r.pid for r in stack.up(settings, SERVICES)}
        assert set(first) == set(SERVICES)
        assert stack.port_in_use(settings.host, settings.source_port)
        second = {r.name: r.pid for r in stack.up(settings, SERVICES)}
        assert second == first, "a second `up` must not start duplicates"
        recorded = {r.name for r in stack.read_records(settings)}
        assert recorded == set(SERVICES)
    finally:
        stopped = stack.down(settings)
    assert set(stopped) == set(SERVICES)
    assert not any(_alive(pid) for pid in first.values())
    assert not stack.port_in_use(settings.host, settings.source_port)
    assert stack.read_records(settings) == []
    assert stack.down(settings) == [], "a second `down` has nothing left to stop"


def test_port_taken_by_another_program_is_a_clear_error(settings: Settings) -> None:
    with socket.socket() as blocker:
        blocker.bind((settings.host, settings.moto_port))
        blocker.listen()
        with pytest.raises(stack.StackError, match=rf"port {settings.moto_port} \(moto\)"):
            stack.up(settings, ["moto"])
    assert stack.read_records(settings) == []


def test_stale_record_of_a_dead_process_is_replaced(settings: Settings) -> None:
    run_dir = settings.var_path / "run"
    run_dir.mkdir(parents=True)
    # A record whose PID exists (this test process) but whose start time differs: not ours.
    (run_dir / "source.json").write_text(
        f'{{"name": "source", "pid": {os.getpid()}, "start_ticks": 1, '
        f'"port": {settings.source_port}, "argv": []}}'
    )
    try:
        rec = stack.up(settings, ["source"])[0]
        assert rec.pid != os.getpid()
    finally:
        stack.down(settings)
    assert _alive(os.getpid()), "down must never signal a process it did not start"


def test_up_seeds_the_prompts_into_the_emulator_without_touching_the_environment(
    settings: Settings,
) -> None:
    import boto3

    before = {k: os.environ.get(k) for k in stack.local_aws_env(settings)}
    try:
        stack.up(settings, ["moto"])
        assert {k: os.environ.get(k) for k in before} == before
        aws = stack.local_aws_env(settings)
        client = boto3.client(
            "secretsmanager",
            endpoint_url=aws["AWS_ENDPOINT_URL"],
            region_name=aws["AWS_DEFAULT_REGION"],
            aws_access_key_id=aws["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=aws["AWS_SECRET_ACCESS_KEY"],
        )
        names = {s["Name"] for s in client.list_secrets()["SecretList"]}
        assert f"{settings.prompts_secret_prefix.rstrip('/')}/enrich" in names
    finally:
        stack.down(settings)
