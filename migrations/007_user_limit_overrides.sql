-- 007: per-user exceptions to the tier's limits.
--
-- A tier sets what most users may do; an administrator sometimes needs to give one user more (a
-- pilot customer) or less (an abusive script) without inventing a tier. Each column overrides the
-- same column of tier_limits when it is not null; null means "as the tier says". There is no way
-- to override a limit to "unlimited": move the user to a tier without that limit instead.
--
-- effective_limits() is the one place the two are merged: quotas, the usage page and the model
-- list all read it, so an override can never apply to one and not the others.

create table if not exists public.user_limit_overrides (
  user_id uuid primary key references auth.users (id) on delete cascade,
  requests_per_minute integer check (requests_per_minute >= 0),
  requests_per_day integer check (requests_per_day >= 0),
  tokens_per_day bigint check (tokens_per_day >= 0),
  monthly_cost_cap_usd numeric(14, 6) check (monthly_cost_cap_usd >= 0),
  max_knowledge_documents integer check (max_knowledge_documents >= 0),
  -- Null or empty: the tier's list applies.
  allowed_models text[],
  -- Why the exception exists, for the next administrator.
  note text,
  updated_by uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

drop trigger if exists set_updated_at on public.user_limit_overrides;
create trigger set_updated_at
  before update on public.user_limit_overrides
  for each row execute function public.set_updated_at();

alter table public.user_limit_overrides enable row level security;

drop policy if exists "Users can read their own limit overrides" on public.user_limit_overrides;
create policy "Users can read their own limit overrides"
  on public.user_limit_overrides for select to authenticated
  using (user_id = (select auth.uid()));

drop policy if exists "Admins can manage limit overrides" on public.user_limit_overrides;
create policy "Admins can manage limit overrides"
  on public.user_limit_overrides for all to authenticated
  using ((select public.is_admin()))
  with check ((select public.is_admin()));

grant select, insert, update, delete on public.user_limit_overrides to authenticated;

-- The limits in force for one user: their tier's, with any override on top. Security definer so
-- a user's quota check can read the override row of their own without a policy round trip; it
-- answers only for the caller (or an admin, or the app), like every quota function.
create or replace function public.effective_limits(p_user_id uuid)
returns table (
  tier public.user_tier,
  requests_per_minute integer,
  requests_per_day integer,
  tokens_per_day bigint,
  monthly_cost_cap_usd numeric,
  max_knowledge_documents integer,
  allowed_models text[],
  overridden text[]
)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if not public.can_act_for(p_user_id) then
    raise exception 'not allowed to read limits of another user'
      using errcode = 'insufficient_privilege';
  end if;
  return query
  select
    p.tier,
    coalesce(o.requests_per_minute, tl.requests_per_minute),
    coalesce(o.requests_per_day, tl.requests_per_day),
    coalesce(o.tokens_per_day, tl.tokens_per_day),
    coalesce(o.monthly_cost_cap_usd, tl.monthly_cost_cap_usd),
    coalesce(o.max_knowledge_documents, tl.max_knowledge_documents),
    case when coalesce(cardinality(o.allowed_models), 0) > 0 then o.allowed_models else tl.allowed_models end,
    array_remove(array[
      case when o.requests_per_minute is not null then 'requests_per_minute' end,
      case when o.requests_per_day is not null then 'requests_per_day' end,
      case when o.tokens_per_day is not null then 'tokens_per_day' end,
      case when o.monthly_cost_cap_usd is not null then 'monthly_cost_usd' end,
      case when o.max_knowledge_documents is not null then 'knowledge_documents' end,
      case when coalesce(cardinality(o.allowed_models), 0) > 0 then 'allowed_models' end
    ], null)
  from public.profiles as p
  join public.tier_limits as tl on tl.tier = p.tier
  left join public.user_limit_overrides as o on o.user_id = p.id
  where p.id = p_user_id;
  if not found then
    raise exception 'no tier limits for user %', p_user_id using errcode = 'no_data_found';
  end if;
end;
$$;

-- As in 003, with the tier's allowed_models replaced by the user's override when there is one.
create or replace function public.get_available_models(p_user_id uuid)
returns setof public.model_configurations
language sql
stable
security invoker
set search_path = ''
as $$
  select mc.*
  from public.effective_limits(p_user_id) as el
  join public.model_configurations as mc
    on mc.is_active
   and el.tier = any (mc.allowed_tiers)
   and (
     mc.model_type <> 'chat'
     or coalesce(cardinality(el.allowed_models), 0) = 0
     or mc.model_name = any (el.allowed_models)
   )
  order by mc.model_type, mc.is_default desc, mc.display_name
$$;

revoke all on function public.effective_limits(uuid) from public;
grant execute on function public.effective_limits(uuid) to authenticated;

-- As in 003, with the limit taken from effective_limits(), so an override applies here too.
create or replace function public.check_user_quota(
  p_user_id uuid,
  p_limit_type text,
  p_increment bigint default 1
)
returns table (
  allowed boolean,
  current_count bigint,
  remaining bigint,
  reset_at timestamptz
)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_window_seconds integer := public.quota_window_seconds(p_limit_type);
  v_max bigint;
begin
  if v_window_seconds is null then
    raise exception 'unknown limit type: %', p_limit_type using errcode = 'invalid_parameter_value';
  end if;
  select case p_limit_type
      when 'requests_per_minute' then el.requests_per_minute
      when 'requests_per_day' then el.requests_per_day
      when 'tokens_per_day' then el.tokens_per_day
    end
  into v_max
  from public.effective_limits(p_user_id) as el;

  if v_max is null then
    return query select true, null::bigint, null::bigint, null::timestamptz;
    return;
  end if;

  return query
  select * from public.check_rate_limit(p_user_id, p_limit_type, v_max, v_window_seconds, p_increment);
end;
$$;
