"""The API emulators, one sub-package per system (`salesforce`, `stripe`, `netsuite`).

Each provides `create_app(store, faults) -> ASGI app` and `tap_config(base_url, credentials) -> dict`
(see sandbox/MODEL.md, "How emulators use the store").
"""
