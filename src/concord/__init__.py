"""Concord: keeps CRM, billing and ERP telling the same story."""

__version__ = "0.1.0"
