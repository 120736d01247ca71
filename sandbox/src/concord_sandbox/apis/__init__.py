"""The API emulators: one package per vendor API (`salesforce`, `stripe`, `netsuite`).

Each provides `create_app(store, faults) -> ASGI app` and `tap_config(base_url, credentials) -> dict`
(see sandbox/MODEL.md, "How emulators use the store").
"""
