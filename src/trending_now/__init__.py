"""Trending Now: an MLOps reference pipeline.

The package reads in the order the data flows. Each stage is a subpackage whose `__init__.py`
says what it reads and writes and whose `tasks.py` is its one task entry (the CLI command and
the Airflow task both call it). A stage imports only the stages before it and the shared
modules; the shared modules import no stage; `ops/` and `cli/` sit above everything.
`tests/unit/test_architecture.py` holds the code to these rules.
"""

STAGES = (
    "ingest",  # source API -> data/raw/<run>/
    "validate",  # the data contract -> data/validated/, data/quarantine/
    "features",  # one document per movie, labels, split -> data/features/
    "train",  # genre classifiers -> models/<name>/
    "evaluate",  # the one look at test -> metrics/, plots/
    "enrich",  # LLM summaries, vibe scores and tags -> data/enriched/
    "governance",  # the promotion gate, cards, the ML Test Score -> governance/
    "publish",  # the serving database the API reads
    "monitor",  # drift, skew, quality -> var/monitor/, retrain requests
)
SHARED = (
    "config",  # Settings, params.yaml models
    "paths",  # every project path, once
    "project",  # the edge: settings + params + paths for a task entry
    "io",  # atomic writers, readers
    "credentials",  # redaction of secrets
    "workspace",  # DVC and git commands, the data version
    "audit",  # the hash-chained audit log
    "tracking",  # W&B / MLflow behind one protocol
    "registry",  # model versions and stages (GTO), promotion, reproduce
)
ABOVE = ("ops", "cli")  # local operations and the command line: may import anything
