{# The loader's meta columns every staging model carries: the run that landed the row, its version, when. #}
{% macro lineage_columns(relation=none) -%}
    {%- set p = relation ~ '.' if relation else '' -%}
    {{ p }}_concord_run_id as run_id,
        {{ p }}_concord_version as version,
        {{ p }}_concord_loaded_at as loaded_at
{%- endmacro %}
