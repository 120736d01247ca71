# Concord's image: every Airflow component, the Celery workers, the init job and the sandbox run from it.
# Mirrors scripts/setup.sh: uv from the lock, the pinned environment from requirements.lock, then the workspace
# members (the concord package, the sandbox, the taps) installed normally instead of editable.
FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CONCORD_HOME=/opt/concord \
    AIRFLOW_HOME=/opt/airflow \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/concord/dags \
    AIRFLOW__CORE__PLUGINS_FOLDER=/opt/concord/plugins \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    AIRFLOW__COSMOS__ENABLE_TELEMETRY=False \
    SCARF_ANALYTICS=false \
    DO_NOT_TRACK=1

# libpq for psycopg2's and dbt's connections; curl for the health checks.
RUN apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends libpq5 curl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/concord

# Dependencies first (their layer survives code changes).
COPY requirements.lock ./
RUN python -m pip install -q "$(grep '^uv==' requirements.lock)" \
    && uv pip sync -q --system --compile-bytecode requirements.lock

# The project: the package, its workspace members, and the files the processes read at run time.
COPY pyproject.toml ./
COPY src ./src
COPY sandbox ./sandbox
COPY taps ./taps
RUN uv pip install -q --system --no-deps . ./sandbox ./taps/tap-salesforce ./taps/tap-stripe ./taps/tap-netsuite
COPY dags ./dags
COPY plugins ./plugins
COPY dbt_project ./dbt_project
COPY expectations ./expectations
COPY docker ./docker

# The dbt manifest the DAGs render from (.concord/dbt/_manifest) is built into the image, so every machine
# running it has the same one without a shared volume (`dbt parse` needs no warehouse connection).
RUN concord transform manifest

RUN useradd --create-home --uid 50000 concord \
    && mkdir -p /opt/airflow /opt/concord/.concord /run/concord/taps /var/lib/concord-sandbox \
    && chown -R concord /opt/airflow /opt/concord/.concord /run/concord/taps /var/lib/concord-sandbox
USER concord
