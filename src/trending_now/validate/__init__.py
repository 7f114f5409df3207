"""Validate: apply the data contract to one raw run; valid rows to Parquet, the rest to quarantine.

Inputs: a raw run folder `data/raw/<run_id>/` (manifest.json, trending.jsonl, movies.jsonl,
reviews.jsonl) as written by the ingest stage.
Outputs: `data/validated/{movies,reviews}.parquet` + `report.json`, and
`data/quarantine/{movies,reviews}.jsonl` (`{"record", "reasons", "run_id"}`), each folder replaced
as a whole. Every fetched record lands in exactly one of them (fetched == valid + quarantined).

Params (`validate:` in params.yaml): min_review_chars, max_quarantine_rate, min_release_year,
max_future_release_days. Above `max_quarantine_rate` the outputs are still written, then
`DataContractError` is raised so the CLI / DAG task fails loudly.
"""

from trending_now.validate.quarantine import DataContractError, ValidationReport, run_stage

__all__ = ["DataContractError", "ValidationReport", "run_stage"]
