"""Every Airflow Asset of the pipeline, named once (producers and consumers import them here)."""

from airflow.sdk import Asset

RAW_MOVIES = Asset("trending://data/raw", group="data")
VALIDATED_MOVIES = Asset("trending://data/validated", group="data")
ENRICHMENTS = Asset("trending://data/enriched", group="data")
GENRE_MODELS = Asset("trending://models/genre", group="models")
PUBLISHED = Asset("trending://serving/db", group="serving")
# Emitted by trending_monitor only when drift, staleness or a quality drop calls for a retrain.
RETRAIN_REQUESTED = Asset("trending://monitor/retrain", group="monitor")
