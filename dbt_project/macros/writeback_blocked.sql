{#
  A predicate: `key_expr` is not a key of `system`'s `object` that an open `block` exception excludes from every
  wb_* model (concord_meta.blocked_keys); a null key is never blocked.

  `not exists`, never `not in (subquery)`: PostgreSQL can turn only the first into an anti-join. `not in` is a
  hashed subplan while the planner believes the key list fits work_mem, and otherwise scans the whole list once
  per row: the view's jsonb expansion is estimated at 100 keys per exception, so at large scale (12,000 blocking
  exceptions) the estimate passed the limit and wb_crm_accounts ran for more than 11 minutes (190,000 accounts ×
  the key list).
#}
{% macro writeback_unblocked(key_expr, system, object) -%}
    not exists (
        select 1 from {{ source('concord_meta', 'blocked_keys') }} as blocked
        where blocked.system = '{{ system }}' and blocked.object = '{{ object }}' and blocked.key = {{ key_expr }}
    )
{%- endmacro %}
