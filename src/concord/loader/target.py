"""The run loop: Singer lines in, batches committed with their STATE, quarantine and a run summary out.

A batch is every record since the last commit. It commits at the first STATE after `batch_size_rows` records
(so a committed batch ends exactly where its state does, and a rerun from the stored state re-sends nothing
already landed), at four times that size even without a STATE (keyed streams stay exactly-once because the
merge is idempotent), before a changed SCHEMA, at ACTIVATE_VERSION and at the end of input. One transaction
per batch holds: every stream's rows, the merges, the quarantine rows and the STATE.

Rows go straight into the target table with COPY when the table was empty when the run first saw the stream
and the record's key was not sent earlier in the run (an 8 MiB bit filter of key hashes answers that; a false
positive only sends the row through the merge). Everything else is copied into the stream's temporary staging
table and merged (`merge.py`); streams without key properties are appended.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, BinaryIO

import orjson
import psycopg
from psycopg import sql

from concord.errors import WarehouseError
from concord.loader import batches, faults, ledger, quarantine, state_lock, state_store, statistics, tables
from concord.loader.config import LoaderConfig
from concord.loader.copy_writer import CopyWriter, Sink
from concord.loader.errors import LoaderError, MalformedLineError, RecordRejected, StreamError
from concord.loader.merge import append_statement, copy_statement, merge_statement
from concord.loader.messages import parse_line, require
from concord.loader.schema_map import StreamShape, shape
from concord.loader.validate import FAST_MISS, LineConverter, build_fast, build_slow, plan, record_key

FILTER_BITS = 1 << 26  # 8 MiB
FLUSH_HARD_FACTOR = 4


@dataclass
class StreamStats:
    loaded: int = 0
    quarantined: int = 0
    added_columns: list[str] = field(default_factory=list)
    widened: list[str] = field(default_factory=list)
    incompatible: list[str] = field(default_factory=list)

    @property
    def records_in(self) -> int:
        return self.loaded + self.quarantined


class StreamLoader:
    """One stream's table, converter and sinks for the run."""

    def __init__(self, name: str, schema_msg: dict[str, Any], shape_: StreamShape, fast: LineConverter,
                 slow: LineConverter, target: sql.Composed, stage: str, direct: bool) -> None:
        self.name = name
        self.schema_msg = schema_msg
        self.shape = shape_
        self.fast = fast
        self.slow = slow
        names = plan(shape_).names
        self.names = names
        self.key = shape_.key
        key_index = [names.index(k) for k in self.key]
        self.key_of = itemgetter(*key_index) if key_index else None
        self.stage = stage
        self.direct = direct or not self.key  # keyless streams always append straight into the target
        self.target_sink = Sink(copy_statement(target, names, staged=False), f"{name} (target)")
        self.stage_sink = Sink(copy_statement(sql.Identifier(stage), names, staged=True), f"{name} (staging)")


@dataclass
class RunSummary:
    """What a run did; `status` is succeeded, partial (something quarantined) or failed."""

    run_id: str
    status: str = "running"
    lines: int = 0
    bytes_in: int = 0
    batches: int = 0
    streams: dict[str, StreamStats] = field(default_factory=dict)
    last_state: Any = None
    error: str | None = None

    @property
    def records_in(self) -> int:
        return sum(s.records_in for s in self.streams.values())

    @property
    def loaded(self) -> int:
        return sum(s.loaded for s in self.streams.values())

    @property
    def quarantined(self) -> int:
        return sum(s.quarantined for s in self.streams.values())

    def detail(self) -> dict[str, Any]:
        return {"batches": self.batches, "lines": self.lines, "error": self.error,
                "streams": {n: vars(s) for n, s in self.streams.items()}}

    def render(self) -> str:
        out = [f"target-concord run {self.run_id}: {self.status}, {self.records_in} records in, "
               f"{self.loaded} loaded, {self.quarantined} quarantined, {self.batches} batches"]
        for name, s in self.streams.items():
            out.append(f"  {name}: {s.records_in} in, {s.loaded} loaded, {s.quarantined} quarantined")
            if s.added_columns:
                out.append(f"    added columns: {', '.join(s.added_columns)}")
            if s.widened:
                out.append(f"    widened: {', '.join(s.widened)}")
            for reason in s.incompatible:
                out.append(f"    {reason} (records with a value there are quarantined)")
        if self.error:
            out.append(f"  stopped: {self.error}")
        return "\n".join(out)


def _always_miss(line: bytes) -> tuple[Any, ...]:
    raise LookupError


def _rejecting(reason: str) -> LineConverter:
    def reject(line: bytes) -> tuple[Any, ...]:
        raise RecordRejected(None, reason)

    return reject


class Loader:
    """Runs one Singer stream into the warehouse; `run(lines)` returns the summary."""

    def __init__(self, config: LoaderConfig, conn: psycopg.Connection, state_out: BinaryIO | None = None,
                 kill: faults.KillSwitch | None = None) -> None:
        self.config = config
        self.conn = conn
        self.state_out = state_out
        self.kill = kill or faults.KillSwitch()
        self.writer = CopyWriter(conn)
        self.streams: dict[str, StreamLoader] = {}
        self.summary = RunSummary(config.run_id)
        self.pending_state: Any = None
        self.has_pending_state = False
        self.quarantine: list[quarantine.Entry] = []
        self.activations: list[tuple[StreamLoader, int]] = []
        self.batch_rows = 0
        self.seq = 0
        self.filter = bytearray(FILTER_BITS // 8)

    # -- setup ---------------------------------------------------------------------------------------------
    def lock(self) -> None:
        """Hold the state id's advisory lock for the run (one loader or replay per state id at a time)."""
        state_lock.acquire(self.conn, self.config.state_id)

    def _setup_stream(self, msg: dict[str, Any], line_no: int) -> None:
        name = require(msg, "stream", str, line_no)
        schema = require(msg, "schema", dict, line_no)
        key = msg.get("key_properties") or []
        if not isinstance(key, list) or not all(isinstance(k, str) for k in key):
            raise MalformedLineError(line_no, f"SCHEMA for {name!r}: key_properties must be a list of names")
        bookmarks = msg.get("bookmark_properties") or []
        old = self.streams.get(name)
        if old is not None and old.schema_msg == msg:
            return
        self.flush()  # DDL and a new converter start a new batch
        cfg = self.config
        stats = self.summary.streams.setdefault(name, StreamStats())
        existing = tables.existing_table(self.conn, cfg.schema, name)
        if existing is None:
            shp = shape(schema, key, bookmarks, cfg.version_property, None)
            missing = [k for k in key if k not in {c.name for c in shp.columns}]
            if missing:
                raise StreamError(name, f"key properties {missing} are not in the schema", line_no)
            tables.create_table(self.conn, cfg.schema, name, shp)
        else:
            shp = shape(schema, existing.key, bookmarks, cfg.version_property, existing.columns,
                        existing.version_kind)
            if existing.key != key and not shp.rejected:
                shp.rejected = (f"incompatible schema change: key properties are now {key}, "
                                f"the table's primary key is {existing.key}")
            missing = [k for k in existing.key if k not in {c.name for c in shp.columns}]
            if missing and not shp.rejected:
                shp.rejected = f"incompatible schema change: key properties {missing} are missing from the schema"
            tables.evolve_table(self.conn, cfg.schema, name, shp)
            stats.added_columns += [c.name for c in shp.add]
            stats.widened += [f"{n} {a} → {b}" for n, a, b in shp.widen]
            stats.incompatible += [r for r in shp.incompatible.values() if r not in stats.incompatible]
            if shp.rejected and shp.rejected not in stats.incompatible:
                stats.incompatible.append(shp.rejected)
        stage = f"_concord_stage_{len(self.streams) if old is None else old.stage.rsplit('_', 1)[1]}"
        tables.create_stage(self.conn, cfg.schema, name, stage)
        fast = build_fast(name, shp, cfg.run_id, cfg.max_value_bytes)
        slow = build_slow(shp, cfg.run_id, cfg.max_value_bytes)
        if shp.rejected:
            fast, slow = _always_miss, _rejecting(shp.rejected)
        direct = old.direct if old is not None else tables.is_empty(self.conn, cfg.schema, name)
        self.streams[name] = StreamLoader(name, msg, shp, fast, slow, tables.table_ident(cfg.schema, name),
                                          stage, direct)
        self.conn.commit()

    # -- batches -------------------------------------------------------------------------------------------
    def flush(self) -> None:
        """Commit the batch: end COPYs, merge, quarantine, activations, STATE; then emit the STATE."""
        writer = self.writer
        writer.finish()
        conn = self.conn
        cfg = self.config
        changed: dict[str, int] = {}
        for s in self.streams.values():
            stats = self.summary.streams[s.name]
            if s.stage_sink.rows:
                self.kill.reached("merge")
                stmt = (merge_statement(cfg.schema, s.name, s.stage, s.names, s.key) if s.key
                        else append_statement(cfg.schema, s.name, s.stage, s.names))
                conn.execute(stmt)
                self.kill.merge_done()
            if s.target_sink.rows + s.stage_sink.rows:
                changed[s.name] = s.target_sink.rows + s.stage_sink.rows
            stats.loaded += s.target_sink.rows + s.stage_sink.rows
            s.target_sink.rows = s.stage_sink.rows = 0
        for s, version in self.activations:
            cur = conn.execute(sql.SQL(
                "update {} set _concord_deleted = true, _concord_loaded_at = now(), _concord_run_id = %s "
                "where not _concord_deleted and (_concord_table_version is null or _concord_table_version < %s)"
            ).format(tables.table_ident(cfg.schema, s.name)), (cfg.run_id, version))
            changed[s.name] = changed.get(s.name, 0) + cur.rowcount
        self.activations.clear()
        batches.record(conn, cfg.run_id, cfg.schema, changed)
        quarantine.record(conn, self.quarantine)
        self.quarantine.clear()
        if self.has_pending_state:
            state_store.write_state(conn, cfg.state_id, self.pending_state, cfg.run_id)
        self.kill.reached("precommit")
        conn.commit()
        self.kill.reached("between")
        self.summary.batches += 1
        self.batch_rows = 0
        self.seq = 0
        if self.has_pending_state:
            self.summary.last_state = self.pending_state
            self.has_pending_state = False
            if self.state_out is not None:
                self.state_out.write(orjson.dumps(self.pending_state) + b"\n")
                self.state_out.flush()

    def _reject(self, s: StreamLoader, line: bytes, exc: RecordRejected) -> None:
        key = record_key(line, s.key)
        stream = s.name
        self.quarantine.append(quarantine.Entry(
            self.config.source, stream, key, exc.field, exc.reason,
            line.decode("utf-8", "replace").rstrip("\r\n"), self.config.run_id))
        self.summary.streams[stream].quarantined += 1

    # -- the loop ------------------------------------------------------------------------------------------
    def run(self, lines: Iterable[bytes]) -> RunSummary:
        """Load every line; on a malformed line commit what came before, then raise MalformedLineError."""
        summary = self.summary
        ledger.start(self.conn, self.config.run_id, self.config.source)
        self.lock()
        try:
            self._loop(lines)
            self.flush()
            summary.status = "partial" if summary.quarantined else "succeeded"
            changed = {name: st.loaded for name, st in summary.streams.items() if st.loaded}
            if changed:
                statistics.refresh(self.conn, self.config.schema, changed)
            batches.prune(self.conn)
        except LoaderError as exc:
            summary.error = str(exc)
            summary.status = "failed"
            raise
        except BaseException as exc:
            summary.error = f"{type(exc).__name__}: {exc}"
            summary.status = "failed"
            raise
        finally:
            self._close_ledger()
            state_lock.release(self.conn, self.config.state_id)
        return summary

    def _close_ledger(self) -> None:
        s = self.summary
        try:
            if self.conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                self.writer.abandon()
                self.conn.rollback()
            ledger.finish(self.conn, s.run_id, self.config.source, s.status, s.records_in, s.loaded,
                          s.quarantined, s.bytes_in, s.detail())
        except psycopg.Error:
            pass  # the ledger is best effort when the connection itself failed

    def _loop(self, lines: Iterable[bytes]) -> None:
        loads = orjson.loads
        decode_error = orjson.JSONDecodeError
        fast_miss = FAST_MISS
        streams = self.streams
        write = self.writer.write
        bits = self.filter
        mask = FILTER_BITS - 1
        limit = self.config.batch_size_rows
        hard_limit = limit * FLUSH_HARD_FACTOR
        kill_at = self.kill.copy_at
        written = 0
        nbytes = 0
        line_no = 0
        current: StreamLoader | None = None
        fast: LineConverter | None = None
        try:
            for line_no, line in enumerate(lines, 1):
                nbytes += len(line)
                row = None
                if fast is not None:
                    try:
                        row = fast(line)
                    except fast_miss:
                        row = None
                if row is None:
                    try:
                        msg = loads(line)
                        kind = msg["type"]
                    except (decode_error, TypeError, KeyError):
                        if not line.strip():
                            continue
                        try:
                            msg = parse_line(line, line_no)  # a valid line orjson refused (big integers) passes
                        except MalformedLineError:
                            self.flush()
                            raise
                        kind = msg["type"]
                    if kind == "RECORD":
                        name = msg.get("stream")
                        current = streams.get(name)  # type: ignore[arg-type]
                        if current is None:
                            fast = None
                            self.flush()
                            raise StreamError(str(name), "RECORD before its SCHEMA", line_no)
                        fast = current.fast
                        try:
                            row = fast(line)
                        except fast_miss:
                            try:
                                row = current.slow(line)
                            except RecordRejected as exc:
                                self._reject(current, line, exc)
                                self.batch_rows += 1
                                continue
                    else:
                        fast = current = None
                        self._control(msg, kind, line_no)
                        continue
                assert current is not None
                if current.direct:
                    key_of = current.key_of
                    if key_of is None:
                        write(current.target_sink, row)
                    else:
                        h = hash(key_of(row)) & mask
                        byte = bits[h >> 3]
                        bit = 1 << (h & 7)
                        if byte & bit:
                            self.seq += 1
                            write(current.stage_sink, (*row, self.seq))
                        else:
                            bits[h >> 3] = byte | bit
                            write(current.target_sink, row)
                else:
                    self.seq += 1
                    write(current.stage_sink, (*row, self.seq))
                written += 1
                if written == kill_at:
                    faults.die()
                self.batch_rows += 1
                if self.batch_rows >= hard_limit:
                    self.flush()
        finally:
            self.summary.lines = line_no
            self.summary.bytes_in = nbytes

    def _control(self, msg: dict[str, Any], kind: str, line_no: int) -> None:
        """SCHEMA, STATE, ACTIVATE_VERSION and the message types that stop the run."""
        if kind == "STATE":
            if "value" not in msg:
                self.flush()
                raise MalformedLineError(line_no, "STATE message needs 'value'")
            self.pending_state = msg["value"]
            self.has_pending_state = True
            if self.batch_rows >= self.config.batch_size_rows:
                self.flush()
        elif kind == "SCHEMA":
            self._setup_stream(msg, line_no)
        elif kind == "ACTIVATE_VERSION":
            name = require(msg, "stream", str, line_no)
            version = require(msg, "version", int, line_no)
            if name not in self.streams:
                self.flush()
                raise StreamError(name, "ACTIVATE_VERSION before its SCHEMA", line_no)
            self.activations.append((self.streams[name], version))
            self.flush()
        elif kind == "BATCH":
            self.flush()
            raise MalformedLineError(line_no, "BATCH messages (files of records) are not supported; "
                                              "configure the tap to emit RECORD messages")
        else:
            self.flush()
            raise MalformedLineError(line_no, f"unknown Singer message type {kind!r}")


def open_warehouse(url: str | None) -> psycopg.Connection:
    """A connection to the migrated warehouse; failures name the server with its password redacted."""
    from concord.warehouse.connection import connect, redact, warehouse_url

    target = url or warehouse_url()
    try:
        return connect(target)
    except psycopg.OperationalError as exc:
        raise WarehouseError(f"Cannot connect to the warehouse at {redact(target)}: {exc}") from exc


def run_stream(config: LoaderConfig, lines: Iterable[bytes], state_out: BinaryIO | None = None,
               log: Any = None) -> RunSummary:
    """Open the warehouse (migrated), run the loader, print the summary to `log` (stderr by default)."""
    log = sys.stderr if log is None else log
    started = time.perf_counter()
    with open_warehouse(config.warehouse_url) as conn:
        conn.execute("set timezone = 'UTC'")
        conn.commit()
        loader = Loader(config, conn, state_out)
        try:
            summary = loader.run(lines)
        finally:
            print(loader.summary.render() + f" ({time.perf_counter() - started:.1f} s)", file=log, flush=True)
    return summary
