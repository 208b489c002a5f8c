-- 008: quota reservations, so concurrent model calls can never spend past a cap.
--
-- A token or cost limit checked after the fact lets every call that started before the cap was
-- reached run through: 20 long answers started together each see budget left, and together spend
-- far past it. So before a call, reserve_quota() books its worst case (the prompt's counted tokens
-- plus the most output tokens the call may produce, and their cost at the model's prices) against
-- the user's remaining budget, in one statement under a per-user lock; after the call, the app
-- deletes the reservation in the same transaction that logs the real usage (log_api_usage), so the
-- budget moves from "reserved" to "spent" atomically. A call that fails or is stopped settles the
-- same way, with whatever it used.
--
-- Near the cap a call is granted fewer output tokens rather than refused outright (the app sends
-- that smaller max_tokens upstream), so a user's last answer of the day is shorter, not missing,
-- and the cap still holds: the model cannot write more than it was granted.
--
-- A process that crashes mid-answer leaves its reservation behind; reservations expire (the
-- writing process extends them while it streams), and expired ones are ignored and swept.

create table if not exists public.quota_reservations (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  endpoint text not null,
  model text not null,
  -- The answer this reservation pays for, if any (not a foreign key: reserved before it exists).
  message_id uuid,
  tokens bigint not null check (tokens >= 0),
  cost_usd numeric(14, 6) not null check (cost_usd >= 0),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);

create index if not exists quota_reservations_user_id_idx on public.quota_reservations (user_id);
create index if not exists quota_reservations_expires_at_idx on public.quota_reservations (expires_at);

alter table public.quota_reservations enable row level security;

-- Written only by reserve_quota() and the app's settle step (as the user, through can_act_for in
-- the functions below); users may see their own outstanding reservations on the usage page.
drop policy if exists "Users can read their own reservations" on public.quota_reservations;
create policy "Users can read their own reservations"
  on public.quota_reservations for select to authenticated
  using (user_id = (select auth.uid()));

drop policy if exists "Admins can read all reservations" on public.quota_reservations;
create policy "Admins can read all reservations"
  on public.quota_reservations for select to authenticated
  using ((select public.is_admin()));

grant select on public.quota_reservations to authenticated;

-- Books a call's worst case against every limit of the user, or says which limit refuses it.
--
-- Correct across sessions: a transaction-scoped advisory lock per user serialises reservations of
-- the same user (different users never wait for each other), and every read below happens after
-- the lock is held, so it sees what earlier reservations committed. Counted request windows are
-- the same rate_limits rows check_rate_limit() uses (fixed windows aligned to the epoch).
--
-- Returns one row. Admitted: reservation_id and granted_output_tokens are set, refused_kind is
-- null, and warnings lists every limit at 80 % or more after this call. Refused: refused_kind,
-- limit_value, used and reset_at say which limit and when it frees up, and nothing was written.
create or replace function public.reserve_quota(
  p_user_id uuid,
  p_endpoint text,
  p_model text,
  p_prompt_tokens bigint,
  p_max_output_tokens bigint,
  -- The fewest output tokens worth calling the model for; below that the call is refused.
  p_min_output_tokens bigint,
  p_input_price_per_1m numeric,
  p_output_price_per_1m numeric,
  -- Counts against requests per minute/day (a message); false for background calls (titles).
  p_counts_as_request boolean,
  p_message_id uuid default null,
  p_ttl_seconds integer default 120
)
returns table (
  reservation_id uuid,
  granted_output_tokens bigint,
  refused_kind text,
  limit_value numeric,
  used numeric,
  reset_at timestamptz,
  warnings jsonb
)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_limits record;
  v_minute_start timestamptz := public.rate_limit_window_start(60);
  v_day_start timestamptz := public.rate_limit_window_start(86400);
  v_month_start date := date_trunc('month', now() at time zone 'utc')::date;
  v_month_end timestamptz := ((date_trunc('month', now() at time zone 'utc') + interval '1 month') at time zone 'utc');
  v_minute_count bigint;
  v_day_count bigint;
  v_tokens_spent bigint;
  v_tokens_reserved bigint;
  v_cost_spent numeric;
  v_cost_reserved numeric;
  v_prompt_cost numeric;
  v_room numeric;
  v_granted bigint := greatest(coalesce(p_max_output_tokens, 0), 0);
  v_min bigint := least(greatest(coalesce(p_min_output_tokens, 0), 0), greatest(coalesce(p_max_output_tokens, 0), 0));
  v_tokens bigint;
  v_cost numeric(14, 6);
  v_warnings jsonb := '[]'::jsonb;
  v_id uuid;
begin
  if p_user_id is null or p_prompt_tokens is null or p_prompt_tokens < 0 or p_max_output_tokens is null
     or p_max_output_tokens < 0 or p_input_price_per_1m < 0 or p_output_price_per_1m < 0
     or p_ttl_seconds is null or p_ttl_seconds <= 0 then
    raise exception 'reserve_quota: invalid arguments' using errcode = 'invalid_parameter_value';
  end if;
  if not public.can_act_for(p_user_id) then
    raise exception 'not allowed to reserve quota for another user'
      using errcode = 'insufficient_privilege';
  end if;

  perform pg_advisory_xact_lock(hashtextextended('airassist.quota:' || p_user_id::text, 0));

  delete from public.quota_reservations as r where r.user_id = p_user_id and r.expires_at < now();

  select * into v_limits from public.effective_limits(p_user_id);

  -- Requests ---------------------------------------------------------------------------------
  if p_counts_as_request then
    select coalesce(sum(rl.count) filter (where rl.limit_type = 'requests_per_minute' and rl.window_start = v_minute_start), 0),
           coalesce(sum(rl.count) filter (where rl.limit_type = 'requests_per_day' and rl.window_start = v_day_start), 0)
    into v_minute_count, v_day_count
    from public.rate_limits as rl
    where rl.user_id = p_user_id and rl.limit_type in ('requests_per_minute', 'requests_per_day');

    if v_limits.requests_per_minute is not null and v_minute_count + 1 > v_limits.requests_per_minute then
      return query select null::uuid, null::bigint, 'requests_per_minute', v_limits.requests_per_minute::numeric,
        v_minute_count::numeric, v_minute_start + interval '60 seconds', null::jsonb;
      return;
    end if;
    if v_limits.requests_per_day is not null and v_day_count + 1 > v_limits.requests_per_day then
      return query select null::uuid, null::bigint, 'requests_per_day', v_limits.requests_per_day::numeric,
        v_day_count::numeric, v_day_start + interval '1 day', null::jsonb;
      return;
    end if;
  end if;

  -- Tokens per day: spent today (the counter log_api_usage keeps) plus every live reservation.
  select coalesce(sum(r.tokens), 0), coalesce(sum(r.cost_usd), 0)
  into v_tokens_reserved, v_cost_reserved
  from public.quota_reservations as r
  where r.user_id = p_user_id;

  -- A call that spends no tokens (the offline assistant) is not held back by the token budget.
  if v_limits.tokens_per_day is not null and p_prompt_tokens + p_max_output_tokens > 0 then
    select coalesce(max(rl.count), 0) into v_tokens_spent
    from public.rate_limits as rl
    where rl.user_id = p_user_id and rl.limit_type = 'tokens_per_day' and rl.window_start = v_day_start;
    v_room := v_limits.tokens_per_day - v_tokens_spent - v_tokens_reserved - p_prompt_tokens;
    if v_room < v_min or v_room <= 0 then
      return query select null::uuid, null::bigint, 'tokens_per_day', v_limits.tokens_per_day::numeric,
        (v_tokens_spent + v_tokens_reserved)::numeric, v_day_start + interval '1 day', null::jsonb;
      return;
    end if;
    v_granted := least(v_granted, floor(v_room)::bigint);
  end if;

  -- Monthly cost: this month's rolled-up cost plus every live reservation.
  -- A free call (zero prices) can't add to the bill, so the cap doesn't stop it.
  if v_limits.monthly_cost_cap_usd is not null and (p_input_price_per_1m > 0 or p_output_price_per_1m > 0) then
    select coalesce(sum(ua.cost_usd), 0) into v_cost_spent
    from public.usage_analytics as ua
    where ua.user_id = p_user_id and ua.date >= v_month_start;
    v_prompt_cost := p_prompt_tokens * p_input_price_per_1m / 1000000;
    v_room := v_limits.monthly_cost_cap_usd - v_cost_spent - v_cost_reserved - v_prompt_cost;
    if v_cost_spent + v_cost_reserved >= v_limits.monthly_cost_cap_usd
       or v_room < 0
       or (p_output_price_per_1m > 0 and floor(v_room * 1000000 / p_output_price_per_1m) < v_min) then
      return query select null::uuid, null::bigint, 'monthly_cost_usd', v_limits.monthly_cost_cap_usd,
        (v_cost_spent + v_cost_reserved), v_month_end, null::jsonb;
      return;
    end if;
    if p_output_price_per_1m > 0 then
      v_granted := least(v_granted, floor(v_room * 1000000 / p_output_price_per_1m)::bigint);
    end if;
  end if;

  -- Admitted: count the request, book the worst case.
  v_tokens := p_prompt_tokens + v_granted;
  -- Rounded up, so the booked cost is never below what the granted tokens can cost.
  v_cost := ceil((p_prompt_tokens * p_input_price_per_1m + v_granted * p_output_price_per_1m)) / 1000000;

  if p_counts_as_request then
    insert into public.rate_limits as rl (user_id, limit_type, window_start, window_seconds, count)
    values (p_user_id, 'requests_per_minute', v_minute_start, 60, 1),
           (p_user_id, 'requests_per_day', v_day_start, 86400, 1)
    on conflict (user_id, limit_type, window_start) do update set count = rl.count + 1, updated_at = now();
    delete from public.rate_limits as rl
    where rl.user_id = p_user_id
      and ((rl.limit_type = 'requests_per_minute' and rl.window_start < v_minute_start)
        or (rl.limit_type in ('requests_per_day', 'tokens_per_day') and rl.window_start < v_day_start));
  end if;

  insert into public.quota_reservations (user_id, endpoint, model, message_id, tokens, cost_usd, expires_at)
  values (p_user_id, p_endpoint, p_model, p_message_id, v_tokens, v_cost, now() + make_interval(secs => p_ttl_seconds))
  returning id into v_id;

  -- Warnings: limits at 80 % or more once this call is booked.
  if p_counts_as_request and v_limits.requests_per_minute is not null and v_limits.requests_per_minute > 0
     and (v_minute_count + 1) >= 0.8 * v_limits.requests_per_minute then
    v_warnings := v_warnings || jsonb_build_object('kind', 'requests_per_minute', 'limit', v_limits.requests_per_minute,
      'used', v_minute_count + 1, 'resetAt', v_minute_start + interval '60 seconds');
  end if;
  if p_counts_as_request and v_limits.requests_per_day is not null and v_limits.requests_per_day > 0
     and (v_day_count + 1) >= 0.8 * v_limits.requests_per_day then
    v_warnings := v_warnings || jsonb_build_object('kind', 'requests_per_day', 'limit', v_limits.requests_per_day,
      'used', v_day_count + 1, 'resetAt', v_day_start + interval '1 day');
  end if;
  if v_limits.tokens_per_day is not null and v_limits.tokens_per_day > 0
     and (v_tokens_spent + v_tokens_reserved + v_tokens) >= 0.8 * v_limits.tokens_per_day then
    v_warnings := v_warnings || jsonb_build_object('kind', 'tokens_per_day', 'limit', v_limits.tokens_per_day,
      'used', v_tokens_spent + v_tokens_reserved + v_tokens, 'resetAt', v_day_start + interval '1 day');
  end if;
  if v_limits.monthly_cost_cap_usd is not null and v_limits.monthly_cost_cap_usd > 0
     and (v_cost_spent + v_cost_reserved + v_cost) >= 0.8 * v_limits.monthly_cost_cap_usd then
    v_warnings := v_warnings || jsonb_build_object('kind', 'monthly_cost_usd', 'limit', v_limits.monthly_cost_cap_usd,
      'used', v_cost_spent + v_cost_reserved + v_cost, 'resetAt', v_month_end);
  end if;

  return query select v_id, v_granted, null::text, null::numeric, null::numeric, null::timestamptz, v_warnings;
end;
$$;

-- Keeps a reservation alive while its call is still running (the writer calls it with each
-- heartbeat); returns false when it is gone (settled, or swept after a stall).
create or replace function public.extend_quota_reservation(p_reservation_id uuid, p_ttl_seconds integer default 120)
returns boolean
language sql
volatile
security definer
set search_path = ''
as $$
  update public.quota_reservations as r
  set expires_at = now() + make_interval(secs => p_ttl_seconds)
  where r.id = p_reservation_id and public.can_act_for(r.user_id)
  returning true
$$;

-- Ends a reservation; the caller logs the real usage in the same transaction.
create or replace function public.release_quota_reservation(p_reservation_id uuid)
returns boolean
language sql
volatile
security definer
set search_path = ''
as $$
  with gone as (
    delete from public.quota_reservations as r
    where r.id = p_reservation_id and public.can_act_for(r.user_id)
    returning 1
  )
  select exists (select 1 from gone)
$$;

-- Expired reservations of every user (a crashed process's), for the scheduled sweep. App only.
create or replace function public.sweep_quota_reservations()
returns integer
language sql
volatile
security definer
set search_path = ''
as $$
  with gone as (
    delete from public.quota_reservations as r
    where r.expires_at < now() and public.is_admin_or_server()
    returning 1
  )
  select count(*)::integer from gone
$$;

-- log_api_usage as in 004, except that offline answers (no model call, no cost) and refused calls
-- don't count against the daily token quota: that budget is for what a model server spends.
create or replace function public.log_api_usage(
  p_user_id uuid,
  p_endpoint text,
  p_provider text,
  p_model text,
  p_prompt_tokens integer default 0,
  p_completion_tokens integer default 0,
  p_cost_usd numeric default null,
  p_latency_ms integer default null,
  p_status text default 'success',
  p_error_message text default null,
  p_chat_session_id uuid default null,
  p_message_id uuid default null,
  p_time_to_first_token_ms integer default null
)
returns bigint
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_prompt_tokens integer := coalesce(p_prompt_tokens, 0);
  v_completion_tokens integer := coalesce(p_completion_tokens, 0);
  v_total_tokens integer := coalesce(p_prompt_tokens, 0) + coalesce(p_completion_tokens, 0);
  v_cost numeric(14, 6);
  v_log_id bigint;
begin
  if not public.can_act_for(p_user_id) then
    raise exception 'not allowed to log usage for another user'
      using errcode = 'insufficient_privilege';
  end if;

  v_cost := coalesce(
    p_cost_usd,
    (select (v_prompt_tokens * mc.input_price_per_1m + v_completion_tokens * mc.output_price_per_1m)
            / 1000000
     from public.model_configurations as mc
     where mc.model_name = p_model),
    0
  );

  insert into public.api_usage_logs (
    user_id, chat_session_id, message_id, endpoint, provider, model,
    prompt_tokens, completion_tokens, total_tokens, cost_usd,
    latency_ms, time_to_first_token_ms, status, error_message
  )
  values (
    p_user_id, p_chat_session_id, p_message_id, p_endpoint, p_provider, p_model,
    v_prompt_tokens, v_completion_tokens, v_total_tokens, v_cost,
    p_latency_ms, p_time_to_first_token_ms, p_status, p_error_message
  )
  returning id into v_log_id;

  insert into public.usage_analytics as ua (
    user_id, date, model, request_count, prompt_tokens, completion_tokens, total_tokens,
    cost_usd, total_latency_ms, error_count
  )
  values (
    p_user_id, (now() at time zone 'utc')::date, p_model, 1, v_prompt_tokens, v_completion_tokens,
    v_total_tokens, v_cost, coalesce(p_latency_ms, 0), case when p_status = 'error' then 1 else 0 end
  )
  on conflict (user_id, date, model) do update set
    request_count = ua.request_count + excluded.request_count,
    prompt_tokens = ua.prompt_tokens + excluded.prompt_tokens,
    completion_tokens = ua.completion_tokens + excluded.completion_tokens,
    total_tokens = ua.total_tokens + excluded.total_tokens,
    cost_usd = ua.cost_usd + excluded.cost_usd,
    total_latency_ms = ua.total_latency_ms + excluded.total_latency_ms,
    error_count = ua.error_count + excluded.error_count;

  if v_total_tokens > 0 and p_provider <> 'offline' and p_status <> 'rate_limited' then
    insert into public.rate_limits as rl (user_id, limit_type, window_start, window_seconds, count)
    values (p_user_id, 'tokens_per_day', public.rate_limit_window_start(86400), 86400, v_total_tokens)
    on conflict (user_id, limit_type, window_start) do update
      set count = rl.count + excluded.count;
  end if;

  return v_log_id;
end;
$$;

revoke all on function
  public.reserve_quota(uuid, text, text, bigint, bigint, bigint, numeric, numeric, boolean, uuid, integer),
  public.extend_quota_reservation(uuid, integer),
  public.release_quota_reservation(uuid),
  public.sweep_quota_reservations()
  from public;
grant execute on function
  public.reserve_quota(uuid, text, text, bigint, bigint, bigint, numeric, numeric, boolean, uuid, integer),
  public.extend_quota_reservation(uuid, integer),
  public.release_quota_reservation(uuid)
  to authenticated;
