{#
  Arithmetic invariant: `left` equals `right` on every row (e.g. amount_due - amount_paid = amount_remaining).
  Written in the project because dbt Hub packages (dbt_utils) cannot be fetched here.
#}
{% test amounts_balance(model, left, right, where=none) %}

select *
from {{ model }}
where ({{ left }}) is distinct from ({{ right }})
{% if where %}and ({{ where }}){% endif %}

{% endtest %}
