"""What Concord's Airflow DAGs call: settings, pools, task callables, the dbt task group, callbacks, a runner.

DAG files under dags/ stay thin (wiring and schedules); everything they run lives here, imported lazily so a DAG
file parses without dbt, Great Expectations or the warehouse.
"""
