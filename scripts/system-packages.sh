#!/usr/bin/env bash
# System packages Concord needs: PostgreSQL server binaries (the embedded warehouse) and chromium (browser
# checks of Data Docs and the health report). Installed when running as root on Debian; otherwise named.
set -euo pipefail
missing=()
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  missing+=(postgresql)
fi
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "setup: installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup: please install these system packages: ${missing[*]} (Debian: sudo apt-get install ${missing[*]})." >&2
  if [[ " ${missing[*]} " == *" postgresql "* ]] && [ -z "${CONCORD_WAREHOUSE_URL:-}" ]; then
    echo "setup: without the PostgreSQL server, set CONCORD_WAREHOUSE_URL to an existing server." >&2
  fi
fi
