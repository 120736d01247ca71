-- The keys the writeback models exclude, one row each, for SQL consumers (the dbt wb_* models):
-- `where id not in (select key from concord_meta.blocked_keys where system = 'stripe' and object = 'invoices')`.
-- Open exceptions of `block` expectations only; concord.quality.policy.blocked_keys returns the same set.
create view concord_meta.blocked_keys as
select distinct s.key as system, o.key as object, k.key, e.exception_id, e.class
from concord_meta.exceptions e
cross join lateral jsonb_each(e.keys) as s
cross join lateral jsonb_each(s.value) as o
cross join lateral jsonb_array_elements_text(o.value) as k(key)
where e.resolved_at is null and e.blocked and k.key is not null;
