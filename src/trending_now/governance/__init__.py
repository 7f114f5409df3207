"""Governance: the promotion gate, model and enrichment cards, the audit log, the ML Test Score.

Inputs: test metrics (`metrics/<model>.json`), the validated-data report, the registry (GTO
stages), the trained model directories, enrichment outputs. Outputs under `governance/`
(cards, decisions, mltestscore) and the hash-chained audit log `var/audit/audit.jsonl`.
Params: the `gate:` block (`GateParams`).
"""

from trending_now.governance.audit import VerifyResult, append_event, default_log_path, verify

__all__ = ["VerifyResult", "append_event", "default_log_path", "verify"]
