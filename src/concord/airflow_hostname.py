"""The host name an Airflow process records (task instances' `hostname`, job heartbeats).

Airflow calls `[core] hostname_callable`; pointing it at `concord.airflow_hostname:hostname` lets each worker
say who it is with CONCORD_NODE_NAME when several run on one machine or share a container host name. Without
the variable it is the machine's FQDN, Airflow's default.
"""

from __future__ import annotations

import os
import socket


def hostname() -> str:
    """CONCORD_NODE_NAME if set, else this machine's fully qualified domain name."""
    return os.environ.get("CONCORD_NODE_NAME") or socket.getfqdn()
