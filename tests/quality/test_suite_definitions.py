"""The suite loader: the shipped suites validate; a broken definition names its file, expectation and reason."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from concord.quality.config import load_config
from concord.quality.errors import QualityConfigError, SuiteDefinitionError
from concord.quality.fault_classes import EXCEPTION_CLASSES
from concord.quality.suites import SUPPORTED_TYPES, load_suites
from tests.quality.conftest import expectation


def test_shipped_suites_and_config_load() -> None:
    suites = load_suites()
    assert {s.name for s in suites} == {"raw_stripe", "raw_netsuite", "raw_salesforce"}
    specs = [e for s in suites for e in s.expectations]
    assert all(e.type in SUPPORTED_TYPES and e.fault_class in EXCEPTION_CLASSES for e in specs)
    assert {e.qualified_table for e in specs} == {
        "raw_stripe.invoices", "raw_netsuite.transaction", "raw_salesforce.Account"}
    config = load_config()
    assert config.steward_for("duplicate_crm_account") == "sales_ops"
    assert config.threshold_for("stripe") == 5.0


def _write(tmp_path: Path, *expectations: dict, name: str = "broken") -> Path:
    (tmp_path / "suites").mkdir(exist_ok=True)
    path = tmp_path / "suites" / f"{name}.json"
    path.write_text(json.dumps({"suite": name, "expectations": list(expectations)}))
    return path


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"type": "expect_table_row_count_to_be_between"}, "is not supported"),
        ({"kwargs": {}}, "needs kwargs ['column']"),
        ({"class": "made_up_class"}, "`class` 'made_up_class' is not one of"),
        ({"keys": {"quickbooks": {"invoices": "id"}}}, "unknown system 'quickbooks'"),
        ({"keys": {"stripe": {"invoices": ""}}}, "must map an object name to the column"),
        ({"policy": "ignore"}, "`policy` must be one of"),
        ({"table": "invoices"}, "'schema.table'"),
        ({"table": "staging.invoices"}, "`source` must be one of"),
        ({"where": [{"column": "x", "op": "LIKE", "value": 1}]}, "op 'LIKE' is not one of"),
        ({"where": "not _concord_deleted"}, "must be a list"),
        ({"colour": "red"}, "unknown fields ['colour']"),
    ],
)
def test_invalid_expectation_names_file_expectation_and_reason(tmp_path: Path, fields: dict, reason: str) -> None:
    path = _write(tmp_path, expectation("bad_one", **fields))
    with pytest.raises(SuiteDefinitionError) as info:
        load_suites(tmp_path)
    message = str(info.value)
    assert str(path) in message and "'bad_one'" in message and reason in message


def test_duplicate_names_and_unknown_suite_are_refused(tmp_path: Path) -> None:
    _write(tmp_path, expectation("twice"), expectation("twice"))
    with pytest.raises(SuiteDefinitionError, match="'twice': the name is used twice"):
        load_suites(tmp_path)
    (tmp_path / "suites" / "broken.json").write_text(json.dumps({"suite": "ok", "expectations": [expectation("a")]}))
    with pytest.raises(SuiteDefinitionError, match=r"no suite named \['nope'\]"):
        load_suites(tmp_path, ["nope"])


def test_invalid_json_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "suites").mkdir()
    (tmp_path / "suites" / "x.json").write_text("{not json")
    with pytest.raises(SuiteDefinitionError, match=r"x\.json: not valid JSON"):
        load_suites(tmp_path)


@pytest.mark.parametrize(
    ("toml", "reason"),
    [
        ("[systemic]\nthreshold_percent = 150\n", "between 0 and 100"),
        ("[systemic.sources]\nquickbooks = 1\n", "unknown source 'quickbooks'"),
        ("[stewards.classes]\nmade_up = 'x'\n", "unknown class 'made_up'"),
        ("[aging]\nbucket_bounds_days = [3, 1]\n", "increasing positive numbers"),
        ("[systemic]\nclasses = ['made_up']\n", "systemic.classes must list exception classes"),
        ("[systemic\n", "not valid TOML"),
    ],
)
def test_invalid_config_is_refused(tmp_path: Path, toml: str, reason: str) -> None:
    (tmp_path / "quality.toml").write_text(toml)
    with pytest.raises(QualityConfigError, match=reason):
        load_config(tmp_path)


def test_importing_the_engine_does_not_import_gx() -> None:
    code = ("import sys, concord.quality.runner, concord.quality.checkpoint, concord.cli.main; "
            "print('great_expectations' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "False"
