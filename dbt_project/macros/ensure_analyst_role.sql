{#
  The read-only analytics role. Roles are cluster-wide while databases are not, so two databases building at
  once may both try to create it: an advisory lock serialises the check, and a duplicate_object error (a
  concurrent creator on another path) is swallowed. Schema usage is granted per database.
#}
{% macro ensure_analyst_role(role='concord_analyst') %}
    {% set mart_schemas = ['core', 'finance', 'ops', 'writeback'] %}
    do $concord$
    begin
        perform pg_advisory_xact_lock(hashtext('concord_analyst_role'));
        if not exists (select 1 from pg_roles where rolname = '{{ role }}') then
            begin
                create role {{ role }} nologin;
            exception when duplicate_object or unique_violation then
                null;
            end;
        end if;
    end
    $concord$;
    {% for s in mart_schemas %}
    create schema if not exists {{ s }};
    grant usage on schema {{ s }} to {{ role }};
    {% endfor %}
{% endmacro %}

{# `dbt run-operation create_analyst_role --args '{role: …}'`: the hook's statements, run on their own. #}
{% macro create_analyst_role(role='concord_analyst') %}
    {% do run_query(ensure_analyst_role(role)) %}
{% endmacro %}
