"""A sync or load stage left `running` by a dead process is closed `failed` by the next run holding its lock."""

from __future__ import annotations

from concord.observability.ledger import close_abandoned
from tests.loader.conftest import Warehouse


def test_close_abandoned_closes_only_other_runs_of_the_given_stages(wh: Warehouse) -> None:
    for run_id, stage, status in [("dead", "sync:stripe", "running"), ("dead", "load:stripe", "running"),
                                  ("dead", "sync:netsuite", "running"), ("old", "sync:stripe", "succeeded"),
                                  ("now", "sync:stripe", "running")]:
        wh.execute(f"insert into concord_meta.runs (run_id, stage, source, status) "
                   f"values ('{run_id}', '{stage}', 'x', '{status}')")

    assert close_abandoned(wh.url, ["sync:stripe", "load:stripe"], "now") == 2

    rows = wh.query("select run_id, stage, status, ended_at is not null, detail ->> 'abandoned' "
                    "from concord_meta.runs order by 1, 2")
    assert [(r, s, st, ended) for r, s, st, ended, _ in rows] == [
        ("dead", "load:stripe", "failed", True), ("dead", "sync:netsuite", "running", False),  # another lock's
        ("dead", "sync:stripe", "failed", True), ("now", "sync:stripe", "running", False),
        ("old", "sync:stripe", "succeeded", False)]
    assert all("closed by run now" in a for r, _, st, _, a in rows if r == "dead" and st == "failed")
    assert close_abandoned(wh.url, ["sync:stripe", "load:stripe"], "now") == 0
