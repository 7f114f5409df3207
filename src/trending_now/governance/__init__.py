"""Governance stage: the promotion gate, model and enrichment cards, the ML Test Score.

Inputs: test metrics (`metrics/<model>.json`), the validated-data report, the registry (GTO
stages), the trained model directories, enrichment outputs. Outputs under `governance/`
(cards, decisions, mltestscore); every decision is an event in the shared audit log
(`trending_now.audit`). Params: the `gate:` block (`GateParams`).
"""
