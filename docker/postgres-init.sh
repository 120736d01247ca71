#!/usr/bin/env bash
# First start of the `postgres` service only: Airflow's metadata database and its owner, beside the warehouse
# database (`concord`) the image's entrypoint already created. Passwords come from the environment (.env).
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
     -v airflow_password="$AIRFLOW_DB_PASSWORD" <<'SQL'
create role airflow login password :'airflow_password';
create database airflow owner airflow;
SQL
