"""Fault decisions and body corruption."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from services.source.faults import FaultConfig, FaultInjector, FaultKind, corrupt

BODY = json.dumps({"page": 1, "results": [{"id": 1}], "total_pages": 1}).encode()


def test_rates_are_respected_over_many_draws() -> None:
    config = FaultConfig(error_rate=0.2, rate_limit_rate=0.1, malformed_rate=0.05, seed=1)
    injector = FaultInjector(config)
    counts = Counter(injector.draw().kind for _ in range(20_000))
    assert counts[FaultKind.ERROR] / 20_000 == pytest.approx(0.2, abs=0.015)
    assert counts[FaultKind.RATE_LIMIT] / 20_000 == pytest.approx(0.1, abs=0.015)
    assert counts[FaultKind.MALFORMED] / 20_000 == pytest.approx(0.05, abs=0.01)


def test_reconfigure_restarts_the_seeded_sequence() -> None:
    injector = FaultInjector(FaultConfig(error_rate=0.5, seed=9))
    first = [injector.draw() for _ in range(50)]
    injector.reconfigure(FaultConfig(error_rate=0.5, seed=9))
    assert [injector.draw() for _ in range(50)] == first


def test_no_faults_by_default() -> None:
    injector = FaultInjector(FaultConfig())
    assert {injector.draw().kind for _ in range(100)} == {FaultKind.NONE}


@pytest.mark.parametrize("rate", [-0.1, 1.5])
def test_rates_outside_zero_one_are_refused(rate: float) -> None:
    with pytest.raises(ValueError, match="error_rate"):
        FaultConfig(error_rate=rate)


def test_corrupt_variants() -> None:
    with pytest.raises(json.JSONDecodeError):
        json.loads(corrupt(BODY, 0.1))  # not JSON
    with pytest.raises(json.JSONDecodeError):
        json.loads(corrupt(BODY, 0.5))  # truncated
    wrong = json.loads(corrupt(BODY, 0.9))
    assert "results" not in wrong and wrong["page"] == 1
