"""Entry point of the `concord` command: mounts the sub-commands and turns errors into one clear paragraph."""

from __future__ import annotations

import sys
import textwrap
import traceback

import typer

from concord.cli import check, replay, score, sync, transform, warehouse, writeback
from concord.cli import ops as ops_cli
from concord.errors import ConcordError

app = typer.Typer(
    help="Concord keeps CRM, billing and ERP telling the same story.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(warehouse.app, name="warehouse")
app.add_typer(replay.app, name="replay")
app.command("sync")(sync.sync)
app.add_typer(transform.app, name="transform")
app.command("score")(score.score)
app.command("check")(check.check)
app.command("writeback")(writeback.writeback)
app.command("status")(ops_cli.status)
app.command("trace")(ops_cli.trace)
app.command("report")(ops_cli.report)


def _mount_optional() -> None:
    """Sub-commands that live in workspace packages (the sandbox) mount only when that package is installed."""
    try:
        from concord_sandbox.cli import app as sandbox_app
    except ModuleNotFoundError as exc:
        if exc.name != "concord_sandbox" and not (exc.name or "").startswith("concord_sandbox."):
            raise
        return
    app.add_typer(sandbox_app, name="sandbox")


_mount_optional()


@app.callback()
def _root(debug: bool = typer.Option(False, "--debug", help="Show tracebacks on errors.")) -> None:
    """Concord: Singer taps → PostgreSQL warehouse → dbt → Great Expectations → Airflow writebacks."""


@app.command()
def demo() -> None:
    """Run the whole pipeline end to end on the embedded default and print a summary."""
    from concord.demo import run as run_demo

    run_demo()


def _fail(message: str) -> None:
    typer.secho(textwrap.fill(message, width=100), err=True, fg="red")
    raise SystemExit(1)


def run(argv: list[str] | None = None) -> None:
    """Run the CLI; a ConcordError prints as one paragraph (traceback only with --debug)."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        # standalone mode: usage errors print as Click/Typer does and exit 2; other errors propagate here.
        app(args=args, prog_name="concord")
    except ConcordError as exc:
        if debug:
            traceback.print_exc()
        _fail(f"Error: {exc}")
    except KeyboardInterrupt:
        _fail("Interrupted.")


if __name__ == "__main__":
    run()
