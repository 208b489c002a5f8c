-- 024 · What the admin console lists about accounts: profile, status and activity from auth
-- (which no API role may read directly), the chosen default model, and this month's usage from
-- the daily rollups (never the raw logs).
--
-- A security-barrier view owned by the app: it reads auth.users with the owner's rights and
-- returns rows only to administrators, so a signed-in user querying it sees nothing.

create or replace view public.admin_user_directory
with (security_barrier = true)
as
select
  u.id,
  u.email,
  p.display_name,
  p.tier,
  p.role,
  u.is_disabled,
  u.created_at,
  u.last_sign_in_at,
  -- Sessions note when they were last used (005): that, or the last sign-in, is "last active".
  greatest(u.last_sign_in_at, (select max(s.last_seen_at) from auth.sessions as s where s.user_id = u.id)) as last_active_at,
  us.default_model,
  coalesce(m.requests, 0)::bigint as month_requests,
  coalesce(m.tokens, 0)::bigint as month_tokens,
  coalesce(m.cost, 0)::numeric(14, 6) as month_cost_usd
from auth.users as u
join public.profiles as p on p.id = u.id
left join public.user_settings as us on us.user_id = u.id
left join lateral (
  select sum(ua.request_count) as requests, sum(ua.total_tokens) as tokens, sum(ua.cost_usd) as cost
  from public.usage_analytics as ua
  where ua.user_id = u.id
    and ua.date >= date_trunc('month', now() at time zone 'utc')::date
) as m on true
where (select public.is_admin());

revoke all on public.admin_user_directory from anon, authenticated, service_role, public;
grant select on public.admin_user_directory to authenticated;
