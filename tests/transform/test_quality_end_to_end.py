"""End to end on the shared small build (seed → sync → dbt build): `concord check` turns every planted fault into
an owned exception, `concord score` is 100 % precision and recall for every fault class, and the run's Data Docs
render in headless Chromium with the suites and their results."""

from __future__ import annotations

import html
import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest

from concord.fault_classes import FAULT_CLASSES
from concord.quality.config import load_config
from concord.quality.suites import load_suites
from concord.transform.score_sources import load_truth
from tests.transform.conftest import CONCORD, BuiltWarehouse

pytestmark = pytest.mark.xdist_group("dbt")

CHROMIUM = "/usr/bin/chromium"


def rendered_text(page: Path) -> str:
    """The visible text of `page` after Chromium ran it (Playwright when installed, else chromium --dump-dom)."""
    if importlib.util.find_spec("playwright") is not None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM)
            try:
                tab = browser.new_page()
                tab.route("http*://**", lambda route: route.abort())  # offline, like the warehouse host
                tab.goto(page.as_uri())
                return tab.inner_text("body")
            finally:
                browser.close()
    binary = shutil.which("chromium") or CHROMIUM
    dom = subprocess.run(
        [binary, "--headless", "--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP * ~NOTFOUND",
         "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120, check=True).stdout
    dom = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", dom, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", dom)))


def test_check_then_score_is_perfect_for_every_class_and_data_docs_render(
        built_warehouse: BuiltWarehouse, tmp_path: Path) -> None:
    url = built_warehouse.copy()
    docs = tmp_path / "docs"
    env = {**built_warehouse.env, "CONCORD_WAREHOUSE_URL": url, "CONCORD_DATA_DOCS_DIR": str(docs)}
    try:
        check = subprocess.run([CONCORD, "check", "--run-id", "e2e"], env=env, capture_output=True, text=True,
                               timeout=600, check=False)
        assert check.returncode == 0, check.stdout + check.stderr
        assert re.search(r"run e2e succeeded with \d+ open exceptions", check.stdout), check.stdout
        assert f"data docs: {(docs / 'index.html').resolve()}" in check.stdout

        score = subprocess.run([CONCORD, "score", "--fail-under", "1"], env=env, capture_output=True, text=True,
                               timeout=300, check=False)
        assert score.returncode == 0, score.stdout + score.stderr
        rows = {m[0]: m[1:] for m in re.findall(r"^(\w+)\s+(\d+)\s+(\d+)\s+([\d.]+)%\s+([\d.]+)%$", score.stdout,
                                                re.M)}
        assert set(rows) == set(FAULT_CLASSES), score.stdout
        for cls, (expected, found, precision, recall) in rows.items():
            assert int(expected) > 0, f"the small sandbox plants no {cls}: the score would prove nothing"
            assert (found, precision, recall) == (expected, "100.0", "100.0"), (cls, score.stdout)

        # each exception: its class's steward (ownership.csv), keys shaped like that class's ground truth
        truth_shapes: dict[str, set[tuple[str, str]]] = {}
        for record in load_truth(built_warehouse.sandbox_dir / "sandbox.db").records:
            truth_shapes.setdefault(record["class"], set()).update(
                (s, o) for s, objects in record["keys"].items() for o in objects)
        config = load_config()
        with psycopg.connect(url) as conn:
            found = conn.execute("select class, keys, steward_team from concord_meta.exceptions "
                                 "where resolved_at is null and class = any(%s)", (list(FAULT_CLASSES),)).fetchall()
        for cls, keys, steward in found:
            assert steward == config.steward_for(cls)
            assert {(s, o) for s, objects in keys.items() for o in objects} <= truth_shapes[cls], (cls, keys)
    finally:
        built_warehouse.drop(url)

    text = rendered_text(docs / "index.html")
    assert "Concord check run e2e" in text
    for suite in load_suites():
        assert suite.name in text, suite.name
    assert "Failed" in text and "Succeeded" in text
    assert "one_canonical_account_per_tax_id" in text  # a failed expectation is named with its suite
