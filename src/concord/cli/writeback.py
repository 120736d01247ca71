"""`concord writeback [DEST ...]`: send the `wb_*` models' changes to Salesforce, NetSuite and Stripe."""

from __future__ import annotations

from typing import Any

import orjson
import typer

from concord.run_ids import manual_run_id


def render(summary: dict[str, Any]) -> str:
    """One line per target: counts per outcome (and, in a dry run, the changes themselves)."""
    lines = []
    for target, c in summary["targets"].items():
        parts = [f"{c['rows']:,} rows", f"{c['unchanged']:,} unchanged", f"{c['to_send']:,} to send"]
        parts += [f"{c[k]:,} {k}" for k in ("succeeded", "invalid", "rejected", "dead_lettered") if c.get(k)]
        if c.get("awaiting_replay"):
            parts.append(f"{c['awaiting_replay']:,} dead-lettered awaiting replay")
        if c.get("blocked"):
            parts.append(f"{c['blocked']:,} blocked (systemic failure in {', '.join(c['blocked_by'])})")
        if c.get("withheld_by_ownership"):
            parts.append("withheld by ownership: " + ", ".join(f"{k} ({v})" for k, v in c["withheld_by_ownership"].items()))
        lines.append(f"{target}: " + ", ".join(parts))
        if summary.get("dry_run"):
            for change in c.get("changes", []):
                lines.append(f"  {'create' if change['create'] else 'update'} {change['key']}: "
                             + orjson.dumps(change["values"], option=orjson.OPT_SORT_KEYS).decode())
            for bad in c.get("invalid_rows", []):
                lines.append(f"  invalid {bad['key']}: {bad['reason']}")
    tail = "dry run, nothing sent" if summary.get("dry_run") else (
        f"{summary.get('seconds', 0):.1f} s, {summary.get('retries', 0)} retries")
    lines.append(f"{summary['destination']} (run {summary['run_id']}): {tail}")
    return "\n".join(lines)


def writeback(
    destinations: list[str] = typer.Argument(None, help="salesforce, netsuite, stripe (or crm, erp, billing); "
                                                        "default: all."),
    destination: list[str] = typer.Option(None, "--destination", "-d", help="Same as the arguments."),
    run_id: str = typer.Option(None, "--run-id", help="Correlation id (default: manual__<utc time>)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the diff; send nothing."),
    force: bool = typer.Option(False, "--force", help="Send even past the change guard's share of rows."),
    as_json: bool = typer.Option(False, "--json", help="Print the summaries as JSON."),
) -> None:
    """Diff each wb_* model against what Concord last wrote and send only the changes; one outcome per row."""
    from concord.writeback.runner import DESTINATIONS, destination_name, run_writebacks

    run_id = run_id or manual_run_id()
    names = [destination_name(d) for d in [*(destinations or []), *(destination or [])]] or list(DESTINATIONS)
    summaries = [run_writebacks(name, run_id, dry_run=dry_run, force=force) for name in names]
    if as_json:
        typer.echo(orjson.dumps(summaries, option=orjson.OPT_INDENT_2).decode())
        return
    for summary in summaries:
        typer.echo(render(summary))
