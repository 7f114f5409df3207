-- Runs once, when the postgres container initialises an empty data directory (as POSTGRES_USER,
-- who owns both databases): Airflow's metadata lives in `airflow`, the API's tables in `serving`.
CREATE DATABASE serving;
