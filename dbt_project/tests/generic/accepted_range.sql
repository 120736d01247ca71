{# A numeric column stays within [min_value, max_value] (nulls pass; combine with not_null to forbid them). #}
{% test accepted_range(model, column_name, min_value, max_value) %}

select *
from {{ model }}
where {{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }}

{% endtest %}
