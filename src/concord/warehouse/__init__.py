"""The staging warehouse: which server, the embedded cluster, and metadata migrations."""

from concord.warehouse.connection import connect, ready_url, warehouse_url

__all__ = ["connect", "ready_url", "warehouse_url"]
