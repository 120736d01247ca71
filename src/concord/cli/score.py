"""`concord score`: precision and recall of Concord's findings against the sandbox ground truth."""

from __future__ import annotations

import typer

from concord.transform.score import IDENTITY_CLASSES


def score(
    classes: list[str] = typer.Option(
        None, "--class", help=f"Fault classes to score (default: {', '.join(IDENTITY_CLASSES)})."
    ),
    fail_under: float = typer.Option(
        0.0, "--fail-under", help="Exit 1 when any class's precision or recall is below this (0–1)."
    ),
) -> None:
    """Compare the findings in the warehouse with `concord sandbox truth` as of the sandbox clock."""
    from concord.transform.score import expected_instances
    from concord.transform.score import score as compute
    from concord.transform.score_sources import load_findings, load_truth
    from concord.warehouse.connection import ready_url

    truth = load_truth()
    results = compute(
        load_findings(ready_url()), expected_instances(truth.records, truth.as_of), classes or IDENTITY_CLASSES
    )
    typer.echo(f"score as of {truth.as_of}")
    typer.echo(f"{'class':<32} {'expected':>8} {'found':>6} {'precision':>9} {'recall':>7}")
    for r in results:
        typer.echo(f"{r.cls:<32} {r.expected:>8} {r.found:>6} {r.precision:>9.1%} {r.recall:>7.1%}")
        for label, ids in (("missed", r.missed), ("false positives", r.false_positives)):
            if ids:
                typer.echo(f"    {label}: {', '.join(ids[:10])}{' …' if len(ids) > 10 else ''}")
    if any(min(r.precision, r.recall) < fail_under for r in results):
        raise typer.Exit(1)
