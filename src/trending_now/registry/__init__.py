"""The model registry: versions and stages as GTO git tags (`versions`), promotion and rollback
gated on the governance decision and audited (`promotion`), and `make reproduce` (`reproduce`).

A shared module: every stage that needs a model version (the gate, publish, monitor) reads it
here; nothing here imports a stage.
"""
