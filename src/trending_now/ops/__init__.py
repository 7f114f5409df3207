"""Local operations: the processes `make run` starts (`stack`), Airflow on Celery without Docker
(`distributed`), throwaway PostgreSQL/Redis servers (`localdb`), a small Airflow REST client
(`airflow_api`) and the AWS stack deployed into the local emulator (`infra/`).

Nothing in the pipeline's stages imports this package: it sits above them, beside the CLI.
"""
