"""The promotion checks: each a small function of its evidence and the `gate:` thresholds.

Every check returns a `Check` with the measured value, the threshold it was held to and the
evidence an auditor needs to redo the judgement by hand. The gate (`gate.py`) gathers the
evidence (metrics files, the registry, a refit, a serving run) and calls these.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from trending_now.config import GateParams


class Check(BaseModel):
    """One check's outcome: passed or not, the value measured, the threshold, the evidence."""

    model_config = ConfigDict(frozen=True)

    name: str
    passed: bool
    value: float | str | bool | None
    threshold: float | str | None
    evidence: dict[str, Any]
    reason: str  # one sentence: why it passed or failed


def _round(value: float) -> float:
    return round(float(value), 4)


def check_data_contract(
    report: Mapping[str, Any] | None, gate: GateParams, *, contract_limit: float
) -> Check:
    """The validated data met its contract and quarantined at most `max_quarantine_rate`."""
    if report is None:
        return Check(
            name="data_contract",
            passed=False,
            value=None,
            threshold=gate.max_quarantine_rate,
            evidence={},
            reason="no validation report (data/validated/report.json) to check",
        )
    rate = float(report.get("quarantine_rate", math.inf))
    limit = min(gate.max_quarantine_rate, contract_limit)
    passed = rate <= limit
    evidence = {
        "run_id": report.get("run_id"),
        "movies": report.get("movies"),
        "reviews": report.get("reviews"),
        "quarantine_rate": rate,
        "quarantine_reasons": report.get("quarantine_reasons"),
        "contract_limit": contract_limit,
    }
    verdict = "within" if passed else "above"
    return Check(
        name="data_contract",
        passed=passed,
        value=_round(rate),
        threshold=limit,
        evidence=evidence,
        reason=f"quarantine rate {rate:.3f} is {verdict} the limit {limit}",
    )


def check_quality(metrics: Mapping[str, Any], gate: GateParams) -> Check:
    """Test macro-F1 and every adequately supported genre's F1 meet their minimums."""
    overall = metrics["overall"]
    macro = float(overall["macro_f1"])
    judged = {
        g: float(s["f1"])
        for g, s in overall["per_genre"].items()
        if int(s["support"]) >= gate.min_genre_support
    }
    weak = {g: _round(f1) for g, f1 in judged.items() if f1 < gate.min_genre_f1}
    unjudged = {
        g: int(s["support"])
        for g, s in overall["per_genre"].items()
        if int(s["support"]) < gate.min_genre_support
    }
    passed = macro >= gate.min_macro_f1 and not weak
    reasons = []
    if macro < gate.min_macro_f1:
        reasons.append(f"macro-F1 {macro:.4f} < {gate.min_macro_f1}")
    if weak:
        reasons.append(f"genres below F1 {gate.min_genre_f1}: {sorted(weak)}")
    return Check(
        name="quality",
        passed=passed,
        value=_round(macro),
        threshold=gate.min_macro_f1,
        evidence={
            "macro_f1": macro,
            "micro_f1": float(overall["micro_f1"]),
            "n_movies": int(overall["n_movies"]),
            "min_genre_f1": gate.min_genre_f1,
            "weak_genres": weak,
            "genres_judged": len(judged),
            "genres_too_rare_to_judge": unjudged,
        },
        reason="; ".join(reasons) or f"macro-F1 {macro:.4f} and every judged genre meet minimums",
    )


def check_champion(
    candidate_macro_f1: float, production: Mapping[str, Any] | None, gate: GateParams
) -> Check:
    """Not worse than the production version beyond `champion_tolerance` (same test split)."""
    if production is None:
        return Check(
            name="champion_challenger",
            passed=True,
            value=None,
            threshold=gate.champion_tolerance,
            evidence={"production": None},
            reason="no version is in production yet: nothing to compare with",
        )
    if production.get("macro_f1") is None:  # in production but unscorable: do not guess
        return Check(
            name="champion_challenger",
            passed=False,
            value=None,
            threshold=-gate.champion_tolerance,
            evidence=dict(production),
            reason=f"production {production['version']} could not be scored: {production['how']}",
        )
    champion = float(production["macro_f1"])
    delta = candidate_macro_f1 - champion
    passed = delta >= -gate.champion_tolerance
    return Check(
        name="champion_challenger",
        passed=passed,
        value=_round(delta),
        threshold=-gate.champion_tolerance,
        evidence={**production, "candidate_macro_f1": candidate_macro_f1},
        reason=(
            f"macro-F1 {candidate_macro_f1:.4f} vs production {production['version']} "
            f"{champion:.4f} ({production['how']}): difference {delta:+.4f}"
        ),
    )


def check_baseline(
    metrics: Mapping[str, Any], baseline: Mapping[str, Any] | None, gate: GateParams
) -> Check:
    """Beats the simple baseline (TF-IDF + logistic regression) by `baseline_margin`."""
    name = "baseline"
    if baseline is None:
        return Check(
            name=name,
            passed=False,
            value=None,
            threshold=gate.baseline_margin,
            evidence={"baseline": gate.baseline},
            reason=f"no metrics for the baseline {gate.baseline} on this test split",
        )
    n_candidate = int(metrics["overall"]["n_movies"])
    n_baseline = int(baseline["overall"]["n_movies"])
    if n_candidate != n_baseline:
        return Check(
            name=name,
            passed=False,
            value=None,
            threshold=gate.baseline_margin,
            evidence={"candidate_movies": n_candidate, "baseline_movies": n_baseline},
            reason="the baseline was scored on a different test split",
        )
    ours, theirs = float(metrics["overall"]["macro_f1"]), float(baseline["overall"]["macro_f1"])
    delta = ours - theirs
    passed = delta >= gate.baseline_margin
    verb = "beats" if passed else "does not beat"
    return Check(
        name=name,
        passed=passed,
        value=_round(delta),
        threshold=gate.baseline_margin,
        evidence={
            "baseline": gate.baseline,
            "candidate_macro_f1": ours,
            "baseline_macro_f1": theirs,
            "n_movies": n_candidate,
        },
        reason=(
            f"macro-F1 {ours:.4f} {verb} {gate.baseline} {theirs:.4f} by the margin "
            f"{gate.baseline_margin} (difference {delta:+.4f})"
        ),
    )


def slice_family(slice_name: str) -> str:
    """`language=fr` -> `language` (the slice families: language, decade, popularity_tier)."""
    return slice_name.split("=", 1)[0]


def check_slices(metrics: Mapping[str, Any], gate: GateParams) -> Check:
    """Every judged slice reaches `min_slice_f1`; within a family, best - worst <= max gap."""
    metric = gate.slice_metric
    judged: dict[str, float] = {}
    too_small: dict[str, int] = {}
    for name, report in (metrics.get("slices") or {}).items():
        if int(report["n_movies"]) >= gate.min_slice_movies:
            judged[name] = float(report[metric])
        else:
            too_small[name] = int(report["n_movies"])
    if not judged:
        return Check(
            name="slices",
            passed=True,
            value=None,
            threshold=gate.min_slice_f1,
            evidence={"metric": metric, "too_small": too_small},
            reason=f"no slice has {gate.min_slice_movies}+ test movies: nothing to judge",
        )
    gaps: dict[str, dict[str, Any]] = {}
    for family in sorted({slice_family(n) for n in judged}):
        members = {n: v for n, v in judged.items() if slice_family(n) == family}
        best, worst = max(members, key=members.__getitem__), min(members, key=members.__getitem__)
        gaps[family] = {"gap": _round(members[best] - members[worst]), "best": best, "worst": worst}
    worst_slice = min(judged, key=judged.__getitem__)
    too_low = {n: _round(v) for n, v in judged.items() if v < gate.min_slice_f1}
    too_wide = {f: g for f, g in gaps.items() if g["gap"] > gate.max_slice_gap}
    reasons = [f"{n} {metric} {v} < {gate.min_slice_f1}" for n, v in sorted(too_low.items())]
    reasons += [
        f"{f} gap {g['gap']} ({g['best']} vs {g['worst']}) > {gate.max_slice_gap}"
        for f, g in sorted(too_wide.items())
    ]
    return Check(
        name="slices",
        passed=not too_low and not too_wide,
        value=_round(judged[worst_slice]),
        threshold=gate.min_slice_f1,
        evidence={
            "metric": metric,
            "worst_slice": worst_slice,
            "max_gap": gate.max_slice_gap,
            "gaps": gaps,
            "judged": {n: _round(v) for n, v in sorted(judged.items())},
            "too_small": too_small,
        },
        reason="; ".join(reasons)
        or f"worst slice {worst_slice} {judged[worst_slice]:.4f}, every gap within limits",
    )


def check_reproducibility(result: Mapping[str, Any], tolerance: float) -> Check:
    """A second training gives the same probabilities (within `tolerance`), and the saved
    model's recorded config is the version's."""
    if result.get("error"):
        return Check(
            name="reproducibility",
            passed=False,
            value=None,
            threshold=tolerance,
            evidence=dict(result),
            reason=f"the second training failed: {result['error']}",
        )
    diff = float(result["max_abs_diff"])
    mismatches = list(result.get("config_mismatches") or [])
    decisions_equal = bool(result.get("decisions_equal", True))
    passed = diff <= tolerance and decisions_equal and not mismatches
    shown = "inf" if math.isinf(diff) else f"{diff:.3g}"
    reason = (
        f"{result['strategy']} ({result.get('compared')}): max probability difference {shown} "
        f"({'within' if diff <= tolerance else 'beyond'} {tolerance}), "
        f"decisions {'equal' if decisions_equal else 'differ'}"
    )
    if mismatches:
        reason += f"; the saved model was not trained with the version's config: {mismatches}"
    return Check(
        name="reproducibility",
        passed=passed,
        value=diff if math.isfinite(diff) else "inf",
        threshold=tolerance,
        evidence=dict(result),
        reason=reason,
    )


def check_serving(result: Mapping[str, Any], gate: GateParams) -> Check:
    """Loads through the serving code, gives finite probabilities in [0, 1], within budget."""
    if result.get("error"):
        return Check(
            name="serving",
            passed=False,
            value=None,
            threshold=gate.max_latency_ms,
            evidence=dict(result),
            reason=f"the serving path failed: {result['error']}",
        )
    ms = float(result["ms_per_movie"])
    problems = []
    if int(result["non_finite"]) > 0:
        problems.append(f"{result['non_finite']} non-finite probabilities (NaN/inf)")
    if int(result["out_of_range"]) > 0:
        problems.append(f"{result['out_of_range']} probabilities outside [0, 1]")
    if ms > gate.max_latency_ms:
        problems.append(f"{ms:.1f} ms per movie > budget {gate.max_latency_ms} ms")
    return Check(
        name="serving",
        passed=not problems,
        value=_round(ms),
        threshold=gate.max_latency_ms,
        evidence=dict(result),
        reason="; ".join(problems)
        or f"finite probabilities for {result['movies']} movies, {ms:.1f} ms per movie",
    )


def is_empty(value: Any) -> bool:
    """None, blank text, or a container whose every element is empty."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, Mapping):
        return all(is_empty(v) for v in value.values())
    if isinstance(value, list | tuple):
        return all(is_empty(v) for v in value)
    return False


def check_card(card: Mapping[str, Any], required: Sequence[str]) -> Check:
    """Every required model card section is present and non-empty."""
    missing = [s for s in required if is_empty(card.get(s))]
    return Check(
        name="model_card",
        passed=not missing,
        value=len(required) - len(missing),
        threshold=len(required),
        evidence={"missing": missing, "required": list(required)},
        reason=f"empty or missing sections: {missing}" if missing else "every section filled",
    )


def check_data_age(
    ingested_at: datetime | None, source: str, gate: GateParams, *, now: datetime
) -> Check:
    """The training data was collected at most `max_data_age_days` ago."""
    if ingested_at is None:
        return Check(
            name="data_age",
            passed=False,
            value=None,
            threshold=gate.max_data_age_days,
            evidence={"source": source},
            reason="the training data's collection time is unknown",
        )
    days = (now - ingested_at).total_seconds() / 86400
    passed = days <= gate.max_data_age_days
    return Check(
        name="data_age",
        passed=passed,
        value=_round(days),
        threshold=gate.max_data_age_days,
        evidence={"ingested_at": ingested_at.isoformat(), "source": source},
        reason=f"data collected {days:.1f} days ago ({source}); limit {gate.max_data_age_days}",
    )
