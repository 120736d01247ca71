{#
  The body of an `fx` CTE: per currency, the latest rate to the reporting currency on or before the date in
  `clock_cte` (the data's own date, int_source_clock.data_as_of): currency, reporting_currency,
  rate_to_reporting, rate_date. Shared by the finance marts that report amounts in the reporting currency.
#}
{% macro fx_rates_as_of(clock_cte) %}
    select distinct on (fx_rates.currency)
        fx_rates.currency, fx_rates.reporting_currency, fx_rates.rate_to_reporting, fx_rates.rate_date
    from {{ ref('fx_rates') }} as fx_rates
    where fx_rates.rate_date <= (select data_as_of::date from {{ clock_cte }})
    order by fx_rates.currency, fx_rates.rate_date desc
{% endmacro %}
