-- Complete `dbt build`s of this warehouse: which project code (fingerprint of models, macros, seeds, selectors)
-- they ran and how many staging/seed relations they left. The scheduled build (CLI `--hourly`, the Airflow
-- producer) builds the `hourly` selector alone only when the latest complete build ran the code now deployed;
-- held in the warehouse, not a worker's disk, so any worker of a distributed deployment sees it.
create table concord_meta.dbt_complete_builds (
    build_id bigint generated always as identity primary key,
    fingerprint text not null,
    kept_relations integer not null,
    run_id text,
    built_at timestamptz not null default now()
);
