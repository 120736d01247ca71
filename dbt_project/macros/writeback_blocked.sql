{# Keys of `system`'s `object` that open `block` exceptions exclude from every wb_* model (concord_meta.blocked_keys). #}
{% macro writeback_blocked(system, object) -%}
    select key from {{ source('concord_meta', 'blocked_keys') }}
    where system = '{{ system }}' and object = '{{ object }}'
{%- endmacro %}
