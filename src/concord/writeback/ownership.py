"""Field ownership from `dbt_project/seeds/ownership.csv`, enforced in code whatever a `wb_*` model carries.

An update never writes an attribute the destination owns (the destination is its system of record); a create
writes only attributes marked `writable_on_create`. An attribute the seed does not list is never written.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from concord.errors import ConcordError


class OwnershipError(ConcordError):
    """The ownership seed is missing or malformed."""


@dataclass(frozen=True)
class Rule:
    object: str
    attribute: str
    owning_system: str
    writable_on_create: bool


def seed_path() -> Path:
    from concord.transform.runner import project_dir

    return project_dir() / "seeds" / "ownership.csv"


@lru_cache(maxsize=4)
def load_rules(path: Path | None = None) -> dict[tuple[str, str], Rule]:
    """(object, attribute) → rule. Several lifecycle rows of one attribute must agree on owner and create flag."""
    path = path or seed_path()
    try:
        with path.open(newline="") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise OwnershipError(f"Cannot read the ownership seed {path}: {exc}") from exc
    rules: dict[tuple[str, str], Rule] = {}
    for n, row in enumerate(rows, start=2):
        try:
            rule = Rule(row["object"], row["attribute"], row["owning_system"],
                        row["writable_on_create"].strip().lower() == "true")
        except (KeyError, AttributeError) as exc:
            raise OwnershipError(f"{path}:{n}: missing column {exc}") from None
        key = (rule.object, rule.attribute)
        if key in rules and rules[key] != rule:
            # The strictest reading wins: a create flag must hold in every lifecycle row.
            rule = Rule(rule.object, rule.attribute, rule.owning_system,
                        rule.writable_on_create and rules[key].writable_on_create)
        rules[key] = rule
    return rules


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


def may_write(destination: str, obj: str, attribute: str, *, creating: bool,
              rules: dict[tuple[str, str], Rule] | None = None) -> Decision:
    """Whether Concord may write `obj.attribute` to `destination` in a create (or else an update)."""
    rules = load_rules() if rules is None else rules
    rule = rules.get((obj, attribute))
    if rule is None:
        return Decision(False, f"{obj}.{attribute} is not in the ownership seed")
    if creating:
        if not rule.writable_on_create:
            return Decision(False, f"{obj}.{attribute} is not writable on create")
        return Decision(True, "writable on create")
    if rule.owning_system == destination:
        return Decision(False, f"{destination} owns {obj}.{attribute}")
    return Decision(True, f"owned by {rule.owning_system}")
