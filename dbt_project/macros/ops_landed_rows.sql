{#
  Every current row of every raw_<source> table with the source's modification time, for the sync-latency mart:
  (source, stream, run_id, loaded_at, modified_at). The modification column per source: Salesforce
  SystemModstamp, Stripe _concord_updated (unix seconds: the event time, or the full sync's start), NetSuite
  lastmodifieddate. Tables come from the catalog at run time, so a stream added to a tap is measured without
  a change here; a table without the column is left out. `only_batches` names a CTE of (run_id, schema_name,
  table_name) rows: then only those runs' rows of each table.
#}
{% macro ops_landed_rows(only_batches=none) %}
    {%- set modified = {
        'SystemModstamp': '"SystemModstamp"',
        '_concord_updated': 'to_timestamp("_concord_updated")',
        'lastmodifieddate': 'lastmodifieddate::timestamptz',
    } -%}
    {%- set tables = [] -%}
    {%- if execute -%}
        {%- set found = run_query(
            "select table_schema, table_name, column_name from information_schema.columns "
            ~ "where table_schema in ('raw_salesforce', 'raw_stripe', 'raw_netsuite') "
            ~ "and column_name in ('SystemModstamp', '_concord_updated', 'lastmodifieddate') "
            ~ "and table_name in (select table_name from information_schema.columns c2 "
            ~ "where c2.table_schema = columns.table_schema and c2.column_name = '_concord_loaded_at') "
            ~ "order by 1, 2") -%}
        {%- for row in found.rows -%}
            {%- do tables.append(row) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- for schema, table, column in tables %}
    select
        '{{ schema[4:] }}'::text as source,
        '{{ table }}'::text as stream,
        _concord_run_id as run_id,
        _concord_loaded_at as loaded_at,
        {{ modified[column] }} as modified_at
    from "{{ schema }}"."{{ table }}"
    {% if only_batches %}
    where _concord_run_id in (
        select run_id from {{ only_batches }}
        where schema_name = '{{ schema }}' and table_name = '{{ table }}'
    )
    {% endif %}
    {% if not loop.last %}union all{% endif %}
    {%- else %}
    select null::text as source, null::text as stream, null::text as run_id, null::timestamptz as loaded_at,
        null::timestamptz as modified_at
    where false
    {%- endfor %}
{% endmacro %}
