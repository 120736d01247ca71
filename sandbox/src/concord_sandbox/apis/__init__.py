"""The sandbox's API emulators, one sub-package per vendor (`salesforce`, `stripe`, `netsuite`).

Each provides `create_app(store, faults) -> ASGI app` and `tap_config(base_url, credentials) -> dict`.
"""
