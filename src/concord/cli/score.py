"""`concord score`: precision and recall of Concord's findings against the sandbox ground truth, per fault class."""

from __future__ import annotations

import typer

from concord.fault_classes import FAULT_CLASSES


def score(
    classes: list[str] = typer.Option(
        None, "--class", help="Fault classes to score (default: every fault class)."
    ),
    source: str = typer.Option(
        "exceptions", "--from",
        help="What to score: 'exceptions' (the open exceptions of `concord check`) or 'findings' (dbt's "
             "intermediate.int_identity_findings and finance.reconciliation_findings)."),
    fail_under: float = typer.Option(
        0.0, "--fail-under", help="Exit 1 when any class's precision or recall is below this (0–1)."
    ),
) -> None:
    """Compare what Concord surfaced with `concord sandbox truth` as of the sandbox clock.

    A class detected through an SLA (quality.toml [detection]) is expected once it is due on the data's clock.
    """
    from concord.quality.config import load_config
    from concord.transform.score import due_instances, expected_instances
    from concord.transform.score import score as compute
    from concord.transform.score_sources import (
        load_billing_paid_at,
        load_data_clock,
        load_exception_findings,
        load_finance_findings,
        load_findings,
        load_truth,
    )
    from concord.warehouse.connection import ready_url

    if source not in ("exceptions", "findings"):
        raise typer.BadParameter("must be 'exceptions' or 'findings'", param_hint="--from")
    url = ready_url()
    truth = load_truth()
    sla = load_config().detection_sla_hours
    data_as_of = load_data_clock(url) or truth.as_of
    expected = due_instances(expected_instances(truth.records, truth.as_of), load_billing_paid_at(), data_as_of, sla)
    findings = load_exception_findings(url) if source == "exceptions" else (
        load_findings(url) + load_finance_findings(url))
    results = compute(findings, expected, classes or FAULT_CLASSES)
    typer.echo(f"score of the {source} as of {truth.as_of} (data clock {data_as_of})")
    typer.echo(f"{'class':<40} {'expected':>8} {'found':>6} {'precision':>9} {'recall':>7}")
    for r in results:
        typer.echo(f"{r.cls:<40} {r.expected:>8} {r.found:>6} {r.precision:>9.1%} {r.recall:>7.1%}")
        for label, ids in (("missed", r.missed), ("false positives", r.false_positives)):
            if ids:
                typer.echo(f"    {label}: {', '.join(ids[:10])}{' …' if len(ids) > 10 else ''}")
    if any(min(r.precision, r.recall) < fail_under for r in results):
        raise typer.Exit(1)
