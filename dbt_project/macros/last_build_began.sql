{#
  When the last build of the incremental model `relation` began (its newest `built_at`; -infinity before the
  first), minus `incremental_commit_margin` for the instant between a loader batch taking its commit time and
  committing: a scalar subquery for incremental watermarks.
#}
{% macro last_build_began(relation) -%}
    (
        select coalesce(max(built_at), '-infinity'::timestamptz)
            - interval '{{ var("incremental_commit_margin", "10 seconds") }}'
        from {{ relation }}
    )
{%- endmacro %}
