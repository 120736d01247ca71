{#
  The CTEs `watermark` and `changed_keys` of an incremental billing mart (invoices, payments): the keys whose
  billing row (`billing_model`.`billing_key`) or ERP posting (`erp_cte`.external_id) landed after the last build
  that changed the table could see them, and the rows whose canonical account moved (`resolved` CTE). `link_cte`,
  when given, names a CTE of (key, loaded_at) rows whose late arrival also changes a key (billing's invoice_payment
  links for payments). Renders nothing on a full build.

  "Could see": a loader batch stamps its rows with its transaction's start but commits later, so the watermark is
  the start of the earliest batch that committed after that build began (concord_meta.load_batches), else the
  build's start; both minus a small margin (`incremental_commit_margin`) for the instant between a batch taking
  its commit time and committing.
#}
{% macro incremental_changed_keys(billing_model, billing_key, erp_cte, mart_key, link_cte=none) %}
{% if is_incremental() %}
watermark as (

    select least(
        last_build.began,
        (
            select min(batches.started_at) from {{ source('concord_meta', 'load_batches') }} as batches
            where batches.committed_at > last_build.began
        )
    ) as loaded_after
    from (select {{ last_build_began(this) }} as began) as last_build

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
