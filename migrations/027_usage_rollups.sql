-- 027 · Hourly and daily usage rollups for the admin dashboards.
--
-- usage_analytics (003) is one row per user, model and UTC day. The dashboards need more: an
-- hourly grain for the last 24 hours, requests by outcome, and latency and time-to-first-token
-- percentiles per model over time. Percentiles can't be added up, so each rollup row keeps a
-- histogram (counts per fixed latency bucket); histograms add up, and a percentile is read from
-- the merged counts.
--
-- Two shapes, each at an hourly and a daily grain:
--   usage_model_hourly / usage_model_daily  (bucket, model, endpoint): counts, tokens, cost, histograms
--   usage_user_hourly  / usage_user_daily   (bucket, user): counts, tokens, cost (active and top users, tiers)
-- A 90-day chart reads about 90 rows per model instead of every log row.
--
-- One statement-level trigger on api_usage_logs maintains all four from the rows themselves
-- (through their transition table), so whatever writes the log — log_api_usage() one row at a
-- time, or a bulk load — moves the rollups in the same transaction, and a bulk insert costs one
-- grouped upsert per table instead of one per row. Deleting log rows (a user's account, with
-- its cascade) takes their figures out again, so the rollups always equal the sums of the log.
-- The log is append-only otherwise: nothing updates its rows.
--
-- Cross-user rows (the model tables) are upserted by every call of that model in that hour:
-- concurrent finishes queue on the row for the rest of their (short) transaction. Each
-- transaction logs one call, so rows are always taken in the same order and can't deadlock.

-- Latency histogram --------------------------------------------------------------------------

-- Lower bounds (ms) of the buckets; bucket i counts values in [bounds[i], bounds[i+1]), the last
-- one everything from 300 s up. Roughly 25–50 % wide, so a percentile interpolated inside its
-- bucket is within a few percent of the exact one for smooth distributions. Fixed forever:
-- stored histograms are only meaningful against these bounds (change them with a new
-- function and new columns, never in place).
create or replace function public.latency_bucket_bounds()
returns integer[]
language sql
immutable
parallel safe
set search_path = ''
as $$
  select '{0,5,10,20,30,50,75,100,150,200,300,400,500,650,800,1000,1250,1500,2000,2500,3000,4000,5000,6500,8000,10000,12500,15000,20000,25000,30000,45000,60000,90000,120000,180000,300000}'::integer[]
$$;

-- Counts of `p_values` per bucket, times p_sign (-1 takes deleted rows out again).
create or replace function public.latency_histogram(p_values integer[], p_sign integer default 1)
returns integer[]
language sql
immutable
parallel safe
set search_path = ''
as $$
  select array_agg(coalesce(c.n, 0)::integer * p_sign order by b.i)
  from generate_series(1, cardinality(public.latency_bucket_bounds())) as b (i)
  left join (
    select width_bucket(v, public.latency_bucket_bounds()) as i, count(*) as n
    from unnest(coalesce(p_values, '{}')) as v
    where v is not null
    group by 1
  ) as c on c.i = b.i
$$;

-- Element-wise sum of two histograms of the same bounds.
create or replace function public.histogram_merge(p_a integer[], p_b integer[])
returns integer[]
language sql
immutable
parallel safe
set search_path = ''
as $$
  select array_agg(coalesce(a, 0) + coalesce(b, 0) order by i)
  from unnest(p_a, p_b) with ordinality as t (a, b, i)
$$;

-- Tables ---------------------------------------------------------------------------------------

-- No `check (… >= 0)` on the counters: the upserts that take deleted rows out propose negative
-- rows, and Postgres checks a proposed row before it resolves the conflict.
create table if not exists public.usage_model_hourly (
  -- Start of the UTC hour.
  hour timestamptz not null,
  model text not null,
  -- 'chat', 'chat.title', 'embedding', 'model.test': an answer's latency isn't a title's.
  endpoint text not null,
  request_count integer not null default 0,
  success_count integer not null default 0,
  error_count integer not null default 0,
  cancelled_count integer not null default 0,
  rate_limited_count integer not null default 0,
  prompt_tokens bigint not null default 0,
  completion_tokens bigint not null default 0,
  total_tokens bigint not null default 0,
  cost_usd numeric(14, 6) not null default 0,
  -- Calls with a latency / a first token (refusals have neither), their sum, and the histogram.
  latency_count integer not null default 0,
  latency_sum_ms bigint not null default 0,
  latency_buckets integer[] not null default public.latency_histogram('{}'),
  ttft_count integer not null default 0,
  ttft_sum_ms bigint not null default 0,
  ttft_buckets integer[] not null default public.latency_histogram('{}'),
  primary key (hour, model, endpoint)
);

-- The same, per UTC day (what 7-, 30- and 90-day views read).
create table if not exists public.usage_model_daily (
  date date not null,
  model text not null,
  endpoint text not null,
  request_count integer not null default 0,
  success_count integer not null default 0,
  error_count integer not null default 0,
  cancelled_count integer not null default 0,
  rate_limited_count integer not null default 0,
  prompt_tokens bigint not null default 0,
  completion_tokens bigint not null default 0,
  total_tokens bigint not null default 0,
  cost_usd numeric(14, 6) not null default 0,
  latency_count integer not null default 0,
  latency_sum_ms bigint not null default 0,
  latency_buckets integer[] not null default public.latency_histogram('{}'),
  ttft_count integer not null default 0,
  ttft_sum_ms bigint not null default 0,
  ttft_buckets integer[] not null default public.latency_histogram('{}'),
  primary key (date, model, endpoint)
);

-- Per user: who was active when, what they spent. Keyed by time first: the dashboards read a
-- time range across all users.
create table if not exists public.usage_user_hourly (
  hour timestamptz not null,
  user_id uuid not null references auth.users (id) on delete cascade,
  request_count integer not null default 0,
  error_count integer not null default 0,
  total_tokens bigint not null default 0,
  cost_usd numeric(14, 6) not null default 0,
  primary key (hour, user_id)
);

create table if not exists public.usage_user_daily (
  date date not null,
  user_id uuid not null references auth.users (id) on delete cascade,
  request_count integer not null default 0,
  error_count integer not null default 0,
  total_tokens bigint not null default 0,
  cost_usd numeric(14, 6) not null default 0,
  primary key (date, user_id)
);

-- The cascade from auth.users deletes by user.
create index if not exists usage_user_hourly_user_id_idx on public.usage_user_hourly (user_id);
create index if not exists usage_user_daily_user_id_idx on public.usage_user_daily (user_id);

-- Recent errors with their text are read from the log itself (a rollup has no text); errors are
-- few, so a partial index finds the latest ones without touching the other rows.
create index if not exists api_usage_logs_errors_idx
  on public.api_usage_logs (created_at desc, id desc)
  where status = 'error';

-- Maintenance ----------------------------------------------------------------------------------

-- Adds (p_sign = 1) or takes out (-1) the figures of a set of log rows in all four rollups.
-- Rows of users already deleted are skipped for the per-user tables (their rows went with them).
create or replace function public.apply_usage_rollups(p_rows public.api_usage_logs[], p_sign integer)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  insert into public.usage_model_hourly as t (
    hour, model, endpoint, request_count, success_count, error_count, cancelled_count, rate_limited_count,
    prompt_tokens, completion_tokens, total_tokens, cost_usd,
    latency_count, latency_sum_ms, latency_buckets, ttft_count, ttft_sum_ms, ttft_buckets
  )
  select date_trunc('hour', r.created_at, 'UTC'), r.model, r.endpoint,
    p_sign * count(*), p_sign * count(*) filter (where r.status = 'success'),
    p_sign * count(*) filter (where r.status = 'error'), p_sign * count(*) filter (where r.status = 'cancelled'),
    p_sign * count(*) filter (where r.status = 'rate_limited'),
    p_sign * sum(r.prompt_tokens), p_sign * sum(r.completion_tokens), p_sign * sum(r.total_tokens), p_sign * sum(r.cost_usd),
    p_sign * count(r.latency_ms), p_sign * coalesce(sum(r.latency_ms), 0),
    public.latency_histogram(array_agg(r.latency_ms) filter (where r.latency_ms is not null), p_sign),
    p_sign * count(r.time_to_first_token_ms), p_sign * coalesce(sum(r.time_to_first_token_ms), 0),
    public.latency_histogram(array_agg(r.time_to_first_token_ms) filter (where r.time_to_first_token_ms is not null), p_sign)
  from unnest(p_rows) as r
  group by 1, 2, 3
  on conflict (hour, model, endpoint) do update set
    request_count = t.request_count + excluded.request_count,
    success_count = t.success_count + excluded.success_count,
    error_count = t.error_count + excluded.error_count,
    cancelled_count = t.cancelled_count + excluded.cancelled_count,
    rate_limited_count = t.rate_limited_count + excluded.rate_limited_count,
    prompt_tokens = t.prompt_tokens + excluded.prompt_tokens,
    completion_tokens = t.completion_tokens + excluded.completion_tokens,
    total_tokens = t.total_tokens + excluded.total_tokens,
    cost_usd = t.cost_usd + excluded.cost_usd,
    latency_count = t.latency_count + excluded.latency_count,
    latency_sum_ms = t.latency_sum_ms + excluded.latency_sum_ms,
    latency_buckets = public.histogram_merge(t.latency_buckets, excluded.latency_buckets),
    ttft_count = t.ttft_count + excluded.ttft_count,
    ttft_sum_ms = t.ttft_sum_ms + excluded.ttft_sum_ms,
    ttft_buckets = public.histogram_merge(t.ttft_buckets, excluded.ttft_buckets);

  insert into public.usage_model_daily as t (
    date, model, endpoint, request_count, success_count, error_count, cancelled_count, rate_limited_count,
    prompt_tokens, completion_tokens, total_tokens, cost_usd,
    latency_count, latency_sum_ms, latency_buckets, ttft_count, ttft_sum_ms, ttft_buckets
  )
  select (r.created_at at time zone 'UTC')::date, r.model, r.endpoint,
    p_sign * count(*), p_sign * count(*) filter (where r.status = 'success'),
    p_sign * count(*) filter (where r.status = 'error'), p_sign * count(*) filter (where r.status = 'cancelled'),
    p_sign * count(*) filter (where r.status = 'rate_limited'),
    p_sign * sum(r.prompt_tokens), p_sign * sum(r.completion_tokens), p_sign * sum(r.total_tokens), p_sign * sum(r.cost_usd),
    p_sign * count(r.latency_ms), p_sign * coalesce(sum(r.latency_ms), 0),
    public.latency_histogram(array_agg(r.latency_ms) filter (where r.latency_ms is not null), p_sign),
    p_sign * count(r.time_to_first_token_ms), p_sign * coalesce(sum(r.time_to_first_token_ms), 0),
    public.latency_histogram(array_agg(r.time_to_first_token_ms) filter (where r.time_to_first_token_ms is not null), p_sign)
  from unnest(p_rows) as r
  group by 1, 2, 3
  on conflict (date, model, endpoint) do update set
    request_count = t.request_count + excluded.request_count,
    success_count = t.success_count + excluded.success_count,
    error_count = t.error_count + excluded.error_count,
    cancelled_count = t.cancelled_count + excluded.cancelled_count,
    rate_limited_count = t.rate_limited_count + excluded.rate_limited_count,
    prompt_tokens = t.prompt_tokens + excluded.prompt_tokens,
    completion_tokens = t.completion_tokens + excluded.completion_tokens,
    total_tokens = t.total_tokens + excluded.total_tokens,
    cost_usd = t.cost_usd + excluded.cost_usd,
    latency_count = t.latency_count + excluded.latency_count,
    latency_sum_ms = t.latency_sum_ms + excluded.latency_sum_ms,
    latency_buckets = public.histogram_merge(t.latency_buckets, excluded.latency_buckets),
    ttft_count = t.ttft_count + excluded.ttft_count,
    ttft_sum_ms = t.ttft_sum_ms + excluded.ttft_sum_ms,
    ttft_buckets = public.histogram_merge(t.ttft_buckets, excluded.ttft_buckets);

  insert into public.usage_user_hourly as t (hour, user_id, request_count, error_count, total_tokens, cost_usd)
  select date_trunc('hour', r.created_at, 'UTC'), r.user_id, p_sign * count(*),
    p_sign * count(*) filter (where r.status = 'error'), p_sign * sum(r.total_tokens), p_sign * sum(r.cost_usd)
  from unnest(p_rows) as r
  where exists (select 1 from auth.users as u where u.id = r.user_id)
  group by 1, 2
  on conflict (hour, user_id) do update set
    request_count = t.request_count + excluded.request_count,
    error_count = t.error_count + excluded.error_count,
    total_tokens = t.total_tokens + excluded.total_tokens,
    cost_usd = t.cost_usd + excluded.cost_usd;

  insert into public.usage_user_daily as t (date, user_id, request_count, error_count, total_tokens, cost_usd)
  select (r.created_at at time zone 'UTC')::date, r.user_id, p_sign * count(*),
    p_sign * count(*) filter (where r.status = 'error'), p_sign * sum(r.total_tokens), p_sign * sum(r.cost_usd)
  from unnest(p_rows) as r
  where exists (select 1 from auth.users as u where u.id = r.user_id)
  group by 1, 2
  on conflict (date, user_id) do update set
    request_count = t.request_count + excluded.request_count,
    error_count = t.error_count + excluded.error_count,
    total_tokens = t.total_tokens + excluded.total_tokens,
    cost_usd = t.cost_usd + excluded.cost_usd;

  -- A per-user row exists only while its user had calls in that bucket, so counting rows counts
  -- active users (and an index-only scan of the key can do it).
  if p_sign < 0 then
    delete from public.usage_user_hourly where request_count <= 0;
    delete from public.usage_user_daily where request_count <= 0;
  end if;
end;
$$;

create or replace function public.roll_up_api_usage()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    perform public.apply_usage_rollups(array(select row(n.*)::public.api_usage_logs from new_rows as n), 1);
  else
    perform public.apply_usage_rollups(array(select row(o.*)::public.api_usage_logs from old_rows as o), -1);
  end if;
  return null;
end;
$$;

drop trigger if exists roll_up_inserted_api_usage on public.api_usage_logs;
create trigger roll_up_inserted_api_usage
  after insert on public.api_usage_logs
  referencing new table as new_rows
  for each statement execute function public.roll_up_api_usage();

drop trigger if exists roll_up_deleted_api_usage on public.api_usage_logs;
create trigger roll_up_deleted_api_usage
  after delete on public.api_usage_logs
  referencing old table as old_rows
  for each statement execute function public.roll_up_api_usage();

-- Backfill: logs written before this file. Only when the rollups are empty, so a re-run (the
-- migration runner may run files again) never counts a log twice.
do $$
begin
  if not exists (select 1 from public.usage_model_daily) and exists (select 1 from public.api_usage_logs) then
    perform public.apply_usage_rollups(array(select l from public.api_usage_logs as l), 1);
  end if;
end
$$;

-- Access ---------------------------------------------------------------------------------------
-- Admins read everything (the dashboards run as the admin through asUser); users read nothing
-- here (their own page reads usage_analytics). Only the trigger writes.

alter table public.usage_model_hourly enable row level security;
alter table public.usage_model_daily enable row level security;
alter table public.usage_user_hourly enable row level security;
alter table public.usage_user_daily enable row level security;

drop policy if exists "Admins can read hourly model usage" on public.usage_model_hourly;
create policy "Admins can read hourly model usage"
  on public.usage_model_hourly for select to authenticated
  using ((select public.is_admin()));

drop policy if exists "Admins can read daily model usage" on public.usage_model_daily;
create policy "Admins can read daily model usage"
  on public.usage_model_daily for select to authenticated
  using ((select public.is_admin()));

drop policy if exists "Admins can read hourly user usage" on public.usage_user_hourly;
create policy "Admins can read hourly user usage"
  on public.usage_user_hourly for select to authenticated
  using ((select public.is_admin()));

drop policy if exists "Admins can read daily user usage" on public.usage_user_daily;
create policy "Admins can read daily user usage"
  on public.usage_user_daily for select to authenticated
  using ((select public.is_admin()));

grant select on public.usage_model_hourly, public.usage_model_daily, public.usage_user_hourly, public.usage_user_daily
  to authenticated;

revoke all on function public.apply_usage_rollups(public.api_usage_logs[], integer), public.roll_up_api_usage() from public;
