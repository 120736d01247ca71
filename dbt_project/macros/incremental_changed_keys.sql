{#
  The CTEs `watermark` and `changed_keys` of an incremental billing mart (invoices, payments): the keys whose
  billing row (`billing_model`.`billing_key`) or ERP posting (`erp_cte`.external_id) landed after the start of
  the last build that changed the table, minus a lookback longer than any loader batch transaction (a batch still
  committing while that build ran carries an earlier `_concord_loaded_at`), and the rows whose canonical account
  moved (`resolved` CTE). `link_cte`, when given, names a CTE of (key, loaded_at) rows whose late arrival also
  changes a key (billing's invoice_payment links for payments). Renders nothing on a full build.
#}
{% macro incremental_changed_keys(billing_model, billing_key, erp_cte, mart_key, link_cte=none) %}
{% if is_incremental() %}
watermark as (

    select coalesce(max(built_at), '-infinity'::timestamptz)
        - interval '{{ var("incremental_lookback", "2 minutes") }}' as loaded_after
    from {{ this }}

),

changed_keys as (

    select {{ billing_key }} as key from {{ ref(billing_model) }}
    where loaded_at > (select loaded_after from watermark)
    union
    select external_id from {{ erp_cte }}
    where loaded_at > (select loaded_after from watermark) and external_id is not null
    {% if link_cte %}
    union
    select key from {{ link_cte }}
    where loaded_at > (select loaded_after from watermark) and key is not null
    {% endif %}
    union
    select built.{{ mart_key }} from {{ this }} as built
    left join resolved on resolved.source_record_id = built.stripe_customer_id
    where resolved.canonical_account_id is distinct from built.canonical_account_id

),
{% endif %}
{% endmacro %}
