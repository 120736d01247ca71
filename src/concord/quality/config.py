"""Where the suites live and the quality configuration (`expectations/quality.toml`): systemic thresholds,
steward teams by class, aging buckets.

The directory is `CONCORD_EXPECTATIONS_DIR`, else `expectations/` of this checkout.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from concord.paths import project_root
from concord.quality.errors import QualityConfigError
from concord.quality.fault_classes import CONTRACT_VIOLATION, EXCEPTION_CLASSES, SYSTEMS

DIR_ENV = "CONCORD_EXPECTATIONS_DIR"
CONFIG_NAME = "quality.toml"


def expectations_dir() -> Path:
    """The directory holding `quality.toml` and `suites/*.json`."""
    configured = os.environ.get(DIR_ENV)
    return Path(configured) if configured else project_root() / "expectations"


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

    def threshold_for(self, source: str) -> float:
        """The unexpected share (percent) above which one expectation blocks `source` entirely."""
        return self.source_threshold_percent.get(source, self.systemic_threshold_percent)

    def steward_for(self, fault_class: str) -> str:
        return self.stewards.get(fault_class, self.default_steward)


def _number(path: Path, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
        raise QualityConfigError(str(path), f"{name} must be a percentage between 0 and 100, got {value!r}")
    return float(value)


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
    stewards = {}
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
    return QualityConfig(
        systemic_threshold_percent=default,
        source_threshold_percent=per_source,
        stewards=stewards,
        default_steward=default_steward,
        aging_bounds_days=tuple(float(b) for b in bounds),
        systemic_classes=frozenset(classes),
        max_failing_rows=max_rows,
    )
