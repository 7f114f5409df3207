"""Whether the monitor asks for a retrain, and the reasons, worded for the audit log and the UI."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from trending_now.config import MonitorParams

if TYPE_CHECKING:  # checks imports the model code; deciding needs none of it
    from trending_now.monitor.checks import QualityResult
    from trending_now.monitor.drift import DriftResult


@dataclass(frozen=True)
class Decision:
    """Retrain when `reasons` is not empty; `alerts` need a person, not a retrain."""

    reasons: list[str] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)
    dataset_drift: bool = False
    prediction_drift: bool = False
    stale_model: bool = False
    model_age_days: float | None = None

    @property
    def retrain(self) -> bool:
        return bool(self.reasons)


def model_age_days(created_at: datetime | None, now: datetime) -> float | None:
    """Days since the production model was registered (or trained), None when unknown."""
    return None if created_at is None else (now - created_at).total_seconds() / 86_400


def _drift_reasons(data: DriftResult, params: MonitorParams) -> list[str]:
    if data.drift_share < params.drift_share:
        return []
    detail = ", ".join(
        f"{c.column} (p={c.p_value:.2g} < {c.threshold:g})" for c in data.columns if c.drifted
    )
    return [
        f"data drift: {len(data.drifted_columns)} of {len(data.columns)} columns drifted "
        f"(share {data.drift_share:.2f} >= {params.drift_share:g}): {detail}"
    ]


def decide(
    params: MonitorParams,
    *,
    data: DriftResult,
    prediction: DriftResult | None,
    quality: QualityResult | None,
    age_days: float | None,
    skew_passed: bool | None = None,
    stability_passed: bool | None = None,
) -> Decision:
    """Apply the `monitor:` thresholds: drift, staleness and quality drops ask for a retrain;
    skew and non-finite outputs are alerts (a retrain would not fix a code or data bug)."""
    reasons = _drift_reasons(data, params)
    predicted = prediction is not None and bool(prediction.drifted_columns)
    if prediction is not None and predicted:
        test = prediction.columns[0]
        reasons.append(
            f"prediction drift: the predicted genre mix changed (p={test.p_value:.2g} < "
            f"{test.threshold:g})"
        )
    stale = age_days is not None and age_days > params.staleness_days
    if stale:
        reasons.append(
            f"stale model: {age_days:.1f} days old (limit {params.staleness_days:g} days)"
        )
    if quality is not None and quality.passed is False:
        reasons.append(
            f"quality drop: macro-F1 {quality.macro_f1:.3f} on {quality.movies} newly labelled "
            f"movies, {quality.drop:.3f} below the test score {quality.baseline_macro_f1:.3f} "
            f"(limit {params.max_quality_drop:g})"
        )
    alerts = []
    if skew_passed is False:
        alerts.append("training/serving skew: serving features differ from the training ones")
    if stability_passed is False:
        alerts.append("numerical stability: NaN, infinite or out-of-range probabilities")
    return Decision(
        reasons=reasons,
        alerts=alerts,
        dataset_drift=data.drift_share >= params.drift_share,
        prediction_drift=predicted,
        stale_model=stale,
        model_age_days=age_days,
    )
