"""The suite loader: the shipped suites validate; a broken definition names its file, expectation and reason."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from concord.fault_classes import FAULT_CLASSES
from concord.quality.config import expectations_dir, load_config
from concord.quality.errors import QualityConfigError, SuiteDefinitionError
from concord.quality.fault_classes import EXCEPTION_CLASSES
from concord.quality.suites import SUPPORTED_TYPES, load_suites
from tests.quality.conftest import expectation


def test_shipped_suites_and_config_load() -> None:
    suites = load_suites()
    assert {s.name for s in suites} == {
        "raw_stripe", "raw_netsuite", "raw_salesforce", "canonical_integrity", "reconciliation"}
    specs = [e for s in suites for e in s.expectations]
    assert all(e.type in SUPPORTED_TYPES and e.fault_class in EXCEPTION_CLASSES for e in specs)
    # every fault class has an expectation that reports it
    assert set(FAULT_CLASSES) <= {e.fault_class for e in specs}
    config = load_config()
    assert config.steward_for("duplicate_crm_account") == "sales_ops"  # account.tax_id in ownership.csv
    assert config.steward_for("invoice_unposted_missing_tax_mapping") == "finance"  # invoice.tax_code
    assert config.threshold_for("stripe") == 5.0
    assert config.freshness_sla_for("netsuite") == 6.0
    # SLAs are configuration: the suites' {"param": ...} values are quality.toml's
    (payment,) = [e for e in specs if e.name == "billing_paid_is_erp_paid_within_sla"]
    assert payment.where[0].value == config.parameters["payment_sla_hours"] == config.detection_sla_hours[
        "payment_status_mismatch"]


def test_expectations_dir_is_the_repos_whatever_concord_home_says(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONCORD_EXPECTATIONS_DIR", raising=False)
    monkeypatch.setenv("CONCORD_HOME", str(tmp_path))
    repo = Path(__file__).resolve().parents[2]
    assert expectations_dir() == repo / "expectations"
    assert load_suites()  # the shipped suites still load with CONCORD_HOME elsewhere
    monkeypatch.setenv("CONCORD_EXPECTATIONS_DIR", str(tmp_path / "mine"))
    assert expectations_dir() == tmp_path / "mine"


def test_parameter_reference_must_be_defined(tmp_path: Path) -> None:
    where = [{"column": "age_hours", "op": ">", "value": {"param": "posting_sla"}}]
    _write(tmp_path, expectation("late", where=where))
    (tmp_path / "quality.toml").write_text("[parameters]\nposting_sla = 73\n")
    (spec,) = load_suites(tmp_path)[0].expectations
    assert spec.where[0].value == 73
    (tmp_path / "quality.toml").write_text("[parameters]\nother = 1\n")
    with pytest.raises(SuiteDefinitionError, match="parameter 'posting_sla' is not defined"):
        load_suites(tmp_path)


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
        ("[freshness]\nhours = 0\n", "freshness.hours must be a positive number of hours"),
        ("[freshness.sources]\nquickbooks = 1\n", "freshness.sources names unknown source"),
        ("[detection]\npayment_status_mismatch = 'nope'\n", "is not a \\[parameters\\] name"),
        ("[stewards.ownership]\nfile = 'dbt_project/seeds/ownership.csv'\n[stewards.ownership.classes]\n"
         "duplicate_crm_account = 'account.nope'\n", "is not an object.attribute"),
    ],
)
def test_invalid_config_is_refused(tmp_path: Path, toml: str, reason: str) -> None:
    (tmp_path / "quality.toml").write_text(toml)
    with pytest.raises(QualityConfigError, match=reason):
        load_config(tmp_path)


def test_importing_the_engine_does_not_import_gx() -> None:
    """Every concord.quality module (and the CLI) imports without GX: DAG files may import them at parse time."""
    code = ("import importlib, pkgutil, sys, concord.quality, concord.cli.main; "
            "[importlib.import_module(m.name) for m in pkgutil.iter_modules(concord.quality.__path__, 'concord.quality.')]; "
            "print(len(list(pkgutil.iter_modules(concord.quality.__path__))), 'great_expectations' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    modules, imported_gx = out.stdout.split()
    assert int(modules) >= 12 and imported_gx == "False"
