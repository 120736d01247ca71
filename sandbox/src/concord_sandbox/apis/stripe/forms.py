"""Stripe's form encoding: `a[b]=1`, `a[0][b]=2`, `expand[]=x` → nested dicts and lists."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from concord_sandbox.apis.stripe.errors import invalid_request

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_PART = re.compile(r"\[([^\[\]]*)\]")


def parse_form(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Nest `(key, value)` pairs the way Stripe reads them; numeric or empty brackets build lists.

    Raises `StripeAPIError` (400, `param` = the key) for a key that is not well formed.
    """
    result: dict[str, Any] = {}
    for key, value in pairs:
        match = _KEY.match(key)
        if match is None:
            raise invalid_request(f"Invalid parameter name: {key}", param=key)
        path: list[str] = [match.group(1), *_PART.findall(match.group(2))]
        _assign(result, path, value, key)
    return _lists(result)


def _assign(root: dict[str, Any], path: list[str], value: str, key: str) -> None:
    node = root
    for i, part in enumerate(path):
        if part == "":
            part = str(len(node))  # `a[]=x` appends in arrival order
        if i == len(path) - 1:
            node[part] = value
            return
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise invalid_request(f"Conflicting values for parameter: {key}", param=key)
        node = child


def _lists(node: Any) -> Any:
    """Turn dicts whose keys are all 0..n-1 into lists (recursively)."""
    if not isinstance(node, dict):
        return node
    converted = {k: _lists(v) for k, v in node.items()}
    if converted and all(k.isdigit() for k in converted):
        return [converted[k] for k in sorted(converted, key=int)]
    return converted


def as_list(value: Any) -> list[str]:
    """A parameter that may arrive as one value or as a list (`expand[]`, `types[]`)."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, dict):
        return [str(v) for v in value.values()]
    return [str(value)]
