{# Stripe minor units to major units: divide by 10^exponent from the currency-exponent seed (JPY 0, USD 2). #}
{% macro minor_to_major(amount, exponent) -%}
    round(({{ amount }})::numeric / power(10::numeric, coalesce({{ exponent }}, 2)), coalesce({{ exponent }}, 2)::integer)
{%- endmacro %}

{% macro from_unix(column) -%}
    to_timestamp({{ column }})
{%- endmacro %}
