#!/usr/bin/env bash
# `make setup`: system packages (as root on Debian), the venv from requirements.lock, the workspace members
# editable, and Airflow's metadata DB. Idempotent; a stamp keyed on the lock and the members' project files
# makes the no-op path take well under a second (no Airflow CLI call).
set -euo pipefail
py="$1"; shift
members=("$@")
cd "$(dirname "$0")/.."

key=$( { cat requirements.lock; for m in "${members[@]}"; do cat "$m/pyproject.toml"; done; cat scripts/setup.sh; } | sha256sum | cut -d' ' -f1)
if [ -f .concord/setup.stamp ] && [ "$(cat .concord/setup.stamp)" = "$key" ] && [ -x .venv/bin/python ]; then
  exit 0
fi

bash scripts/system-packages.sh

if ! command -v "$py" >/dev/null 2>&1; then
  echo "setup: $py is required (Concord's stack is pinned for Python 3.11)." >&2; exit 1
fi
if [ ! -x .venv/bin/uv ]; then
  [ -x .venv/bin/python ] || "$py" -m venv .venv
  .venv/bin/python -m pip install -q --disable-pip-version-check "$(grep '^uv==' requirements.lock)"
fi
echo "setup: installing the pinned environment from requirements.lock"
.venv/bin/uv pip sync -q --compile-bytecode -p .venv/bin/python requirements.lock
editable=()
for m in "${members[@]}"; do editable+=(-e "$m"); done
.venv/bin/uv pip install -q -p .venv/bin/python --no-deps "${editable[@]}"

.venv/bin/python -m concord.airflow_env --migrate
.venv/bin/python -m concord.transform.manifest
.venv/bin/python -m concord.orchestration.pools

mkdir -p .concord
echo "$key" > .concord/setup.stamp
echo "setup: done"
