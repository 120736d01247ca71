"""Freshness SLAs per source and stream, read from the dbt sources' `freshness` config (one place for both
`dbt source freshness` and `concord status`): `warn_after` and `error_after`, a table's own config overriding
its source's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

_PERIODS = {"minute": "minutes", "hour": "hours", "day": "days"}


@dataclass(frozen=True)
class Sla:
    warn_after: timedelta | None
    error_after: timedelta | None


def _delta(spec: Any) -> timedelta | None:
    if not isinstance(spec, dict) or spec.get("count") is None or spec.get("period") not in _PERIODS:
        return None
    return timedelta(**{_PERIODS[spec["period"]]: float(spec["count"])})


def _freshness(node: dict[str, Any]) -> dict[str, Any] | None:
    fresh = (node.get("config") or {}).get("freshness", node.get("freshness"))
    return fresh if isinstance(fresh, dict) else None


def load_slas(project: Path | None = None) -> dict[str, dict[str, Sla]]:
    """{source: {stream or '*': Sla}} from every `_*__sources.yml` under the dbt project's models."""
    if project is None:
        from concord.transform.runner import project_dir

        project = project_dir()
    slas: dict[str, dict[str, Sla]] = {}
    for path in sorted((project / "models").rglob("_*__sources.yml")):
        doc = yaml.safe_load(path.read_text()) or {}
        for src in doc.get("sources") or []:
            schema = str(src.get("schema") or src.get("name"))
            if not schema.startswith("raw_"):
                continue
            name = schema.removeprefix("raw_")
            base = _freshness(src) or {}
            per = slas.setdefault(name, {})
            per["*"] = Sla(_delta(base.get("warn_after")), _delta(base.get("error_after")))
            for table in src.get("tables") or []:
                own = _freshness(table)
                if own is not None:
                    merged = {**base, **own}
                    per[str(table["name"])] = Sla(_delta(merged.get("warn_after")), _delta(merged.get("error_after")))
    return slas


def sla_for(slas: dict[str, dict[str, Sla]], source: str, stream: str) -> Sla:
    per = slas.get(source) or {}
    return per.get(stream) or per.get("*") or Sla(None, None)
