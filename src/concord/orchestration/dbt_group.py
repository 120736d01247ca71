"""The cosmos task group that runs the dbt project inside concord_hourly.

ExecutionMode.WATCHER: one `dbt build` (the producer task) runs the whole selection; one sensor task per model
watches its node's result, so the graph shows per-model state while dbt starts once per run (cosmos's default,
LOCAL, starts dbt once per model: seconds each here). Rendering reads the manifest built at setup
(`concord transform manifest`), so parsing the DAG never runs dbt.

The group renders the `hourly` YAML selector (dbt_project/selectors.yml), the same nodes as
`concord transform build --hourly`: the tables and incremental models with the views over them and the
incremental marts' tests. When the warehouse's latest complete build ran other project code (first run, a deploy,
relations missing), the producer widens its own build to the whole project but the writeback models and the
operations marts (later steps build them), and records the complete build when it succeeds; the extra nodes
(staging views, seeds, the other tests) have no sensor of their own. The producer writes the run ledger's
`transform` row with dbt's counts, as `concord transform build` does.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from concord.orchestration.tasks import (
    choose_build_scope,
    fail_transform_stage,
    prepare_dbt_environment,
    record_build_scope,
    record_transform_results,
)

# Unit tests test the code, which does not change between hourly runs (as `concord transform build --hourly`).
UNIT_TESTS_EXCLUDED = ["--exclude-resource-type", "unit_test"]
# How often a model's sensor looks at the producer's progress, in seconds.
POKE_SECONDS = 2


def dbt_task_group(group_id: str, *, complete_build_exclude: list[str]) -> Any:
    """A DbtTaskGroup over the `hourly` selector, rendered from the setup manifest; a complete build (when one is
    due) covers everything but `complete_build_exclude` (dbt selection syntax)."""
    from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
    from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior

    from concord.transform.manifest import manifest_path
    from concord.transform.runner import HOURLY_SELECTOR, dbt_executable, project_dir

    if not manifest_path().is_file():
        from concord.errors import ConcordError

        raise ConcordError(f"No dbt manifest at {manifest_path()}: run `concord transform manifest` (setup does).")
    project = project_dir()
    project_config = ProjectConfig(dbt_project_path=project, manifest_path=manifest_path(), project_name="concord",
                                   install_dbt_deps=False)
    # A local file needs no ObjectStoragePath: reading through one loads every Airflow plugin for hook lineage
    # (cosmos's imports FastAPI), 0.6 s of a DAG file's parse.
    project_config.manifest_path = manifest_path()
    group = DbtTaskGroup(
        group_id=group_id,
        project_config=project_config,
        profile_config=ProfileConfig(profile_name="concord", target_name="warehouse",
                                     profiles_yml_filepath=project / "profiles.yml"),
        execution_config=ExecutionConfig(execution_mode=ExecutionMode.WATCHER, dbt_executable_path=dbt_executable(),
                                         invocation_mode=InvocationMode.DBT_RUNNER),
        render_config=RenderConfig(load_method=LoadMode.DBT_MANIFEST, selector=HOURLY_SELECTOR,
                                   test_behavior=TestBehavior.NONE, enable_mock_profile=False,
                                   enable_owner_inheritance=False),
        operator_args={
            "append_env": True,
            "on_execute_callback": prepare_dbt_environment,
            "poke_interval": POKE_SECONDS,
            "dbt_cmd_flags": UNIT_TESTS_EXCLUDED,
            "emit_datasets": False,
        },
    )
    producer = _watch_after_build(group)
    # TestBehavior.NONE renders no per-model test sensors (cosmos would render one for every model with a test,
    # though the hourly selector runs only the incremental marts' tests, leaving the others waiting on results
    # that never come) and makes the producer build models only (`--resource-type`); the selector's tests run
    # inside the one build again, where an erroring test fails the producer, as it fails `concord transform build`.
    producer.dbt_cmd_flags = list(UNIT_TESTS_EXCLUDED)
    # Airflow normalises callbacks into lists in the constructor; set after it, they must be lists already
    producer.on_execute_callback = [*_callbacks(producer.on_execute_callback),
                                    partial(choose_build_scope, complete_build_exclude)]
    producer.on_success_callback = [*_callbacks(producer.on_success_callback), record_build_scope]
    producer.on_failure_callback = [*_callbacks(producer.on_failure_callback), fail_transform_stage]
    # the run ledger's `transform` row: opened by choose_build_scope, filled from dbt's run results here
    producer.callback = [record_transform_results]
    return group


def _callbacks(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _watch_after_build(group: Any) -> Any:
    """Put the producer (the one dbt build) upstream of the root watcher tasks, which run when it is done.

    Cosmos links the producer to the root watchers only in a DbtDag; in a task group they start beside it and
    wait. A runner that executes one task at a time (`dag.test()`, the demo, the tests) then waits forever on a
    watcher before ever starting the build. With the build upstream, each watcher reads its node's result as soon
    as it starts; `all_done` lets a watcher whose model failed in the build fall back to running that model alone
    on its retry (cosmos's own retry path), so a failed build still surfaces per model.
    """
    from airflow.sdk import TriggerRule
    from cosmos.constants import PRODUCER_WATCHER_TASK_ID

    prefix = f"{group.group_id}."
    tasks = {t.task_id: t for t in group.dag.tasks if t.task_id.startswith(prefix)}
    producer = tasks[prefix + PRODUCER_WATCHER_TASK_ID]
    watchers = {tid: t for tid, t in tasks.items() if hasattr(t, "producer_task_id")}
    for task in watchers.values():
        if not task.upstream_task_ids & watchers.keys():
            producer >> task
            task.trigger_rule = TriggerRule.ALL_DONE
    return producer
