"""`target-concord`: the Singer target CLI (`target-concord --config config.json < stream`).

Prints each committed STATE on stdout (the Singer convention, so runners can pick it up) and the run summary
on stderr. `--print-state` prints the stored state for the configured state id and exits: a shell can start a
tap from it (`tap --state <(target-concord --config c.json --print-state) | target-concord --config c.json`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import orjson

from concord.errors import ConcordError
from concord.loader.config import LoaderConfig


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `target-concord` console script; returns the exit status."""
    parser = argparse.ArgumentParser(prog="target-concord", description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, help="JSON config (settings also come from CONCORD_* env)")
    parser.add_argument("--input", type=Path, help="read the Singer stream from this file instead of stdin")
    parser.add_argument("--print-state", action="store_true", help="print the stored state and exit")
    args = parser.parse_args(argv)
    try:
        config = LoaderConfig.load(args.config)
        if args.print_state:
            from concord.loader.state_store import read_state
            from concord.loader.target import open_warehouse

            with open_warehouse(config.warehouse_url) as conn:
                state = read_state(conn, config.state_id)
            sys.stdout.buffer.write(orjson.dumps(state) + b"\n")
            return 0
        from concord.loader.target import run_stream

        if args.input:
            with open(args.input, "rb", buffering=1 << 20) as fh:
                run_stream(config, fh, sys.stdout.buffer)
        else:
            run_stream(config, sys.stdin.buffer, sys.stdout.buffer)
    except ConcordError as exc:
        print(f"target-concord: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
