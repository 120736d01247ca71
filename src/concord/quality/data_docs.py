"""Data Docs: GX's HTML report of the suites and the latest run's validation results, rebuilt every run.

The folder is `CONCORD_DATA_DOCS_DIR`, else `.concord/data_docs` under the project root; its `index.html` lists
every suite and validation result of the latest check run. Importing this module does not import GX.
"""

from __future__ import annotations

import html
import os
import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import quote

from concord.paths import state_dir

DIR_ENV = "CONCORD_DATA_DOCS_DIR"
SITE_NAME = "concord"
# Failing-row lists kept per expectation in the docs (the warehouse's exceptions hold them all); a full list of
# 100k keys would make pages of megabytes that take longer to render than the checks take to run.
DOCS_ROW_SAMPLE = 20
_ROW_LISTS = ("partial_unexpected_list", "partial_unexpected_index_list", "unexpected_list",
              "unexpected_index_list", "partial_unexpected_counts")


def data_docs_dir() -> Path:
    """The folder the check stage builds Data Docs into."""
    configured = os.environ.get(DIR_ENV)
    return Path(configured) if configured else state_dir() / "data_docs"


def data_docs_path() -> Path:
    """The Data Docs entry page (it exists once a check run has built the docs)."""
    return data_docs_dir() / "index.html"


def _trim(context: Any) -> None:
    """Cut each stored validation result's row lists to a sample before rendering."""
    store = context.validation_results_store
    for key in store.list_keys():
        result = store.get(key)
        changed = False
        for item in result.results:
            body = item.result or {}
            for name in _ROW_LISTS:
                if isinstance(body.get(name), list) and len(body[name]) > DOCS_ROW_SAMPLE:
                    body[name] = body[name][:DOCS_ROW_SAMPLE]
                    changed = True
        if changed:
            store.set(key, result)


def _summary(context: Any, site: Path) -> str:
    """A static table of the run's suites and results for the top of index.html.

    GX's index fills its tables with JavaScript from public CDNs, so offline (an air-gapped warehouse, CI) it
    lists nothing; this section needs neither scripts nor network. The suite and result pages render statically.
    """
    store = context.validation_results_store
    rows = []
    run_name = ""
    for key in sorted(store.list_keys(), key=lambda k: k.expectation_suite_identifier.name):
        result = store.get(key)
        suite = key.expectation_suite_identifier.name
        run_name = str(key.run_id.run_name or "")
        parts = suite.split(".")
        suite_page = Path("expectations", *parts[:-1], parts[-1] + ".html")
        pages = sorted((site / "validations").joinpath(*parts).glob("*/*/*.html"))
        result_page = pages[0].relative_to(site) if pages else None
        stats = result.statistics or {}
        failed = [
            (item.expectation_config.meta or {}).get("concord_expectation", item.expectation_config.type)
            for item in result.results if not item.success
        ]
        status = "Succeeded" if result.success else "Failed"
        link = (f'<a href="{quote(result_page.as_posix())}">{status}</a>' if result_page else status)
        rows.append(
            f'<tr class="concord-result concord-{status.lower()}"><td><a href="{quote(suite_page.as_posix())}">'
            f"{html.escape(suite)}</a></td><td>{link}</td>"
            f"<td>{stats.get('evaluated_expectations', 0)}</td><td>{stats.get('successful_expectations', 0)}</td>"
            f"<td>{html.escape(', '.join(failed)) or '-'}</td></tr>")
    return (
        '<section id="concord-run-summary" class="container" style="padding-top:70px">'
        f"<h2>Concord check run {html.escape(run_name)}</h2>"
        '<table class="table table-bordered"><thead><tr><th>Suite (table)</th><th>Result</th>'
        "<th>Expectations</th><th>Passed</th><th>Failed expectations</th></tr></thead><tbody>"
        + "".join(rows) + "</tbody></table></section>")


def _add_summary(context: Any, site: Path) -> None:
    index = site / "index.html"
    page = index.read_text()
    section = _summary(context, site)
    match = re.search(r"<body[^>]*>", page)
    page = page[: match.end()] + section + page[match.end():] if match else section + page
    index.write_text(page)


def build_data_docs(context: Any, folder: Path) -> Path:
    """Render the context's suites and validation results into `folder` (replacing it); returns index.html.

    The site is built beside the folder and swapped in, so a reader never sees a half-built site.
    """
    folder = folder.resolve()
    folder.parent.mkdir(parents=True, exist_ok=True)
    building = folder.with_name(f".{folder.name}.building-{os.getpid()}")
    shutil.rmtree(building, ignore_errors=True)
    _trim(context)
    context.add_data_docs_site(SITE_NAME, {
        "class_name": "SiteBuilder",
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(building)},
    })
    context.build_data_docs(site_names=[SITE_NAME])
    if not (building / "index.html").is_file():
        raise FileNotFoundError(f"GX built no index.html in {building}")
    _add_summary(context, building)
    previous = folder.with_name(f".{folder.name}.previous-{os.getpid()}")
    if folder.exists():
        folder.rename(previous)
    building.rename(folder)
    shutil.rmtree(previous, ignore_errors=True)
    return folder / "index.html"
