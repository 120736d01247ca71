#!/usr/bin/env bash
# The `sandbox` service (profile `sandbox`): seed the simulated company once (its state lives in the
# `sandbox-data` volume), write one tap config per API into the `tap-configs` volume (base URL
# http://sandbox:<port>, the seeded credentials; the workers read them through CONCORD_<SOURCE>_TAP_CONFIG),
# then serve the control API and the three API emulators in the foreground.
set -euo pipefail
if [ ! -f "$CONCORD_SANDBOX_DIR/sandbox.db" ]; then
  concord sandbox seed --scale "${CONCORD_SANDBOX_SCALE:-small}"
fi
python - <<'PY'
import json, os
from pathlib import Path
from concord_sandbox.apis import DEFAULT_PORTS, load_api
from concord_sandbox.paths import database_path
from concord_sandbox.store import Store

out = Path(os.environ["CONCORD_TAP_CONFIG_DIR"])
out.mkdir(parents=True, exist_ok=True)
for api in ("salesforce", "stripe", "netsuite"):
    config = load_api(api).tap_config(f"http://sandbox:{DEFAULT_PORTS[api]}", Store(database_path()).credentials(api))
    path = out / f"{api}.json"
    path.write_text(json.dumps(config))
    path.chmod(0o600)
PY
exec python -m concord_sandbox.server --dir "$CONCORD_SANDBOX_DIR" --host 0.0.0.0 \
  --port=control=8700 --port=salesforce=8701 --port=stripe=8702 --port=netsuite=8703
