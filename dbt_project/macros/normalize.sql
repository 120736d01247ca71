{# Matching keys for identity resolution: deterministic, so the same input always yields the same key. #}
{% macro normalize_tax_id(column) -%}
    nullif(upper(regexp_replace(coalesce({{ column }}, ''), '[^A-Za-z0-9]', '', 'g')), '')
{%- endmacro %}

{% macro normalize_domain(column) -%}
    nullif(lower(regexp_replace(regexp_replace(regexp_replace(coalesce({{ column }}, ''), '^[a-z]+://', '', 'i'), '^(www\.|.*@)', '', 'i'), '[/:].*$', '')), '')
{%- endmacro %}

{% macro normalize_name(column) -%}
    nullif(trim(regexp_replace(regexp_replace(lower(coalesce({{ column }}, '')), '[^a-z0-9 ]', ' ', 'g'), '\m(inc|ltd|llc|gmbh|kk|co|corp|corporation|limited|plc|pte|sa|bv|ag)\M|\s+', ' ', 'g')), '')
{%- endmacro %}
