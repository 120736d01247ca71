"""Where the suites live and the quality configuration (`expectations/quality.toml`): systemic thresholds,
steward teams by class, aging buckets, SLAs.

The directory is `CONCORD_EXPECTATIONS_DIR`, else `expectations/` of the checkout this package was installed
from. `CONCORD_HOME` does not move it: that variable relocates local state (`.concord/`), not the suites in git.
"""

from __future__ import annotations

import csv
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from concord.quality.errors import QualityConfigError
from concord.quality.fault_classes import CONTRACT_VIOLATION, EXCEPTION_CLASSES, SYSTEMS

DIR_ENV = "CONCORD_EXPECTATIONS_DIR"
CONFIG_NAME = "quality.toml"


def _checkout_root() -> Path:
    """The checkout this package was installed from (src/concord/quality/config.py → the repository), else cwd."""
    candidate = Path(__file__).resolve().parents[3]
    if (candidate / "pyproject.toml").is_file() and (candidate / "expectations").is_dir():
        return candidate
    return Path.cwd().resolve()


def expectations_dir() -> Path:
    """The directory holding `quality.toml` and `suites/*.json` (CONCORD_EXPECTATIONS_DIR, else the repo's)."""
    configured = os.environ.get(DIR_ENV)
    return Path(configured) if configured else _checkout_root() / "expectations"


@dataclass(frozen=True)
class QualityConfig:
    """Thresholds and lookups the engine reads instead of constants."""

    systemic_threshold_percent: float = 5.0
    source_threshold_percent: dict[str, float] = field(default_factory=dict)
    stewards: dict[str, str] = field(default_factory=dict)
    default_steward: str = "data_platform"
    aging_bounds_days: tuple[float, ...] = (1.0, 3.0, 7.0)
    systemic_classes: frozenset[str] = frozenset({CONTRACT_VIOLATION})
    max_failing_rows: int = 100_000
    parameters: dict[str, Any] = field(default_factory=dict)
    freshness_hours: float | None = None
    source_freshness_hours: dict[str, float] = field(default_factory=dict)
    detection_sla_hours: dict[str, float] = field(default_factory=dict)

    def threshold_for(self, source: str) -> float:
        """The unexpected share (percent) above which one expectation blocks `source` entirely."""
        return self.source_threshold_percent.get(source, self.systemic_threshold_percent)

    def steward_for(self, fault_class: str) -> str:
        return self.stewards.get(fault_class, self.default_steward)

    def freshness_sla_for(self, source: str) -> float | None:
        """Hours since the source's last successful load after which its writebacks are blocked (None: no SLA)."""
        return self.source_freshness_hours.get(source, self.freshness_hours)


def _number(path: Path, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
        raise QualityConfigError(str(path), f"{name} must be a percentage between 0 and 100, got {value!r}")
    return float(value)


def _hours(path: Path, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise QualityConfigError(str(path), f"{name} must be a positive number of hours, got {value!r}")
    return float(value)


def _parameters(path: Path, raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise QualityConfigError(str(path), "[parameters] must be a table of name = value")
    for name, value in raw.items():
        if isinstance(value, dict) or value is None:
            raise QualityConfigError(str(path), f"parameters.{name} must be a number, string, boolean or list")
    return dict(raw)


def _ownership_stewards(path: Path, raw: Any) -> dict[str, str]:
    """Class -> steward team through `ownership.csv` (class = "object.attribute" names the row that owns it)."""
    if not raw:
        return {}
    if not isinstance(raw, dict) or not isinstance(raw.get("file"), str):
        raise QualityConfigError(str(path), "stewards.ownership needs file = <ownership.csv> and a classes table")
    file = Path(raw["file"])
    csv_path = file if file.is_absolute() else _checkout_root() / file
    try:
        with csv_path.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
    except FileNotFoundError as exc:
        raise QualityConfigError(str(path), f"stewards.ownership.file {csv_path} does not exist") from exc
    teams = {f"{r.get('object')}.{r.get('attribute')}": r.get("steward_team") for r in rows}
    out: dict[str, str] = {}
    for cls, ref in (raw.get("classes") or {}).items():
        if cls not in EXCEPTION_CLASSES:
            raise QualityConfigError(str(path), f"stewards.ownership.classes names unknown class {cls!r}")
        team = teams.get(ref)
        if not team:
            raise QualityConfigError(
                str(path), f"stewards.ownership.classes.{cls} = {ref!r} is not an object.attribute of {csv_path}")
        out[cls] = team
    return out


def load_config(directory: Path | None = None) -> QualityConfig:
    """Read and validate `quality.toml` in `directory` (default: `expectations_dir()`)."""
    path = (directory or expectations_dir()) / CONFIG_NAME
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError as exc:
        raise QualityConfigError(str(path), "the file does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise QualityConfigError(str(path), f"not valid TOML: {exc}") from exc
    systemic = raw.get("systemic", {})
    default = _number(path, "systemic.threshold_percent", systemic.get("threshold_percent", 5.0))
    per_source = {}
    for source, value in systemic.get("sources", {}).items():
        if source not in SYSTEMS:
            raise QualityConfigError(str(path), f"systemic.sources names unknown source {source!r}")
        per_source[source] = _number(path, f"systemic.sources.{source}", value)
    classes = systemic.get("classes", [CONTRACT_VIOLATION])
    if not isinstance(classes, list) or any(c not in EXCEPTION_CLASSES for c in classes):
        raise QualityConfigError(str(path), f"systemic.classes must list exception classes, got {classes!r}")
    max_rows = raw.get("checks", {}).get("max_failing_rows", 100_000)
    if isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 1:
        raise QualityConfigError(str(path), f"checks.max_failing_rows must be a positive integer, got {max_rows!r}")
    stewards_raw = raw.get("stewards", {})
    default_steward = stewards_raw.get("default", "data_platform")
    # ownership.csv names the team by the record that has to change; an explicit [stewards.classes] overrides it.
    stewards = _ownership_stewards(path, stewards_raw.get("ownership"))
    for cls, team in stewards_raw.get("classes", {}).items():
        if cls not in EXCEPTION_CLASSES:
            raise QualityConfigError(str(path), f"stewards.classes names unknown class {cls!r}")
        if not isinstance(team, str) or not team:
            raise QualityConfigError(str(path), f"stewards.classes.{cls} must be a team name")
        stewards[cls] = team
    bounds = raw.get("aging", {}).get("bucket_bounds_days", [1, 3, 7])
    if (not isinstance(bounds, list) or not bounds
            or any(isinstance(b, bool) or not isinstance(b, int | float) or b <= 0 for b in bounds)
            or sorted(bounds) != bounds):
        raise QualityConfigError(str(path), "aging.bucket_bounds_days must be increasing positive numbers")
    freshness = raw.get("freshness", {})
    freshness_hours = (_hours(path, "freshness.hours", freshness["hours"])
                       if "hours" in freshness else None)
    per_source_freshness = {}
    for source, value in freshness.get("sources", {}).items():
        if source not in SYSTEMS:
            raise QualityConfigError(str(path), f"freshness.sources names unknown source {source!r}")
        per_source_freshness[source] = _hours(path, f"freshness.sources.{source}", value)
    parameters = _parameters(path, raw.get("parameters", {}))
    detection = {}
    for cls, name in raw.get("detection", {}).items():
        if cls not in EXCEPTION_CLASSES:
            raise QualityConfigError(str(path), f"detection names unknown class {cls!r}")
        if name not in parameters:
            raise QualityConfigError(str(path), f"detection.{cls} = {name!r} is not a [parameters] name")
        detection[cls] = _hours(path, f"parameters.{name}", parameters[name])
    return QualityConfig(
        parameters=parameters,
        detection_sla_hours=detection,
        freshness_hours=freshness_hours,
        source_freshness_hours=per_source_freshness,
        systemic_threshold_percent=default,
        source_threshold_percent=per_source,
        stewards=stewards,
        default_steward=default_steward,
        aging_bounds_days=tuple(float(b) for b in bounds),
        systemic_classes=frozenset(classes),
        max_failing_rows=max_rows,
    )
