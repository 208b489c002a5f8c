-- 004 · Per-message analytics, per-chat totals, and a foreign key that ties every message to its
-- chat's owner.
--
-- Re-running earlier files after this one briefly brings back what this file replaces (001's
-- touch trigger, 003's shorter log_api_usage); running this file again removes them, so the
-- final state is the same however often the sequence runs.

-- Replaced functions ---------------------------------------------------------------------------

-- log_api_usage gains p_message_id and p_time_to_first_token_ms. A different argument list is a
-- different function in Postgres, so the old one is dropped rather than left as an ambiguous
-- overload.
drop function if exists public.log_api_usage(
  uuid, text, text, text, integer, integer, numeric, integer, text, text, uuid
);

-- Messages: analytics columns ------------------------------------------------------------------

-- All nullable (except status): user and system messages have no model, tokens or cost, and an
-- assistant message gets them only when its response finishes.
alter table public.messages
  add column if not exists model text,
  add column if not exists prompt_tokens integer,
  add column if not exists completion_tokens integer,
  add column if not exists total_tokens integer,
  add column if not exists response_time_ms integer,
  add column if not exists time_to_first_token_ms integer,
  add column if not exists cost_usd numeric(14, 6),
  -- As reported by the provider ('stop', 'length', 'content_filter', …): not constrained.
  add column if not exists finish_reason text,
  -- pending → streaming → complete, or stopped (by the user) / error. Existing messages are
  -- complete.
  add column if not exists status text not null default 'complete';

alter table public.chat_sessions
  add column if not exists message_count integer not null default 0,
  add column if not exists total_tokens bigint not null default 0,
  add column if not exists total_cost_usd numeric(14, 6) not null default 0,
  add column if not exists last_message_at timestamptz;

-- Constraints are added separately, by name and only when missing, so a re-run never stacks a
-- second copy.
do $$
begin
  if not exists (
    select 1 from pg_catalog.pg_constraint
    where conrelid = 'public.messages'::regclass and conname = 'messages_status_check'
  ) then
    alter table public.messages add constraint messages_status_check
      check (status in ('pending', 'streaming', 'complete', 'stopped', 'error'));
  end if;

  if not exists (
    select 1 from pg_catalog.pg_constraint
    where conrelid = 'public.messages'::regclass and conname = 'messages_usage_check'
  ) then
    alter table public.messages add constraint messages_usage_check
      check (
        prompt_tokens >= 0 and completion_tokens >= 0 and total_tokens >= 0
        and response_time_ms >= 0 and time_to_first_token_ms >= 0 and cost_usd >= 0
      );
  end if;

  if not exists (
    select 1 from pg_catalog.pg_constraint
    where conrelid = 'public.chat_sessions'::regclass and conname = 'chat_sessions_totals_check'
  ) then
    alter table public.chat_sessions add constraint chat_sessions_totals_check
      check (message_count >= 0 and total_tokens >= 0 and total_cost_usd >= 0);
  end if;
end
$$;

-- Messages belong to their chat's owner ------------------------------------------------------

-- 001 checked a message's session and its user separately, so nothing stopped a message from
-- naming one user's chat and another user. The composite key makes (session, user) one fact.
-- It needs a unique (id, user_id) on chat_sessions to point at (id alone is already unique, so
-- this adds no restriction, only the index the key references).
do $$
begin
  if not exists (
    select 1 from pg_catalog.pg_constraint
    where conrelid = 'public.chat_sessions'::regclass and conname = 'chat_sessions_id_user_id_key'
  ) then
    alter table public.chat_sessions add constraint chat_sessions_id_user_id_key
      unique (id, user_id);
  end if;

  if not exists (
    select 1 from pg_catalog.pg_constraint
    where conrelid = 'public.messages'::regclass and conname = 'messages_session_id_user_id_fkey'
  ) then
    -- Repair rows written before the key existed: the chat's owner is the message's user.
    update public.messages as m
    set user_id = s.user_id
    from public.chat_sessions as s
    where s.id = m.session_id
      and m.user_id <> s.user_id;

    alter table public.messages add constraint messages_session_id_user_id_fkey
      foreign key (session_id, user_id)
      references public.chat_sessions (id, user_id)
      on delete cascade;
  end if;
end
$$;

-- The composite key covers everything the single-column one did.
alter table public.messages drop constraint if exists messages_session_id_fkey;

-- Indexes --------------------------------------------------------------------------------------

-- messages_session_id_created_at_idx (001) already serves the composite key's cascade. This one
-- finds responses that never finished (a crashed stream) for cleanup, and stays tiny because
-- almost every message is complete.
create index if not exists messages_in_flight_idx
  on public.messages (created_at)
  where status in ('pending', 'streaming');

-- Chat totals ----------------------------------------------------------------------------------

-- Keeps message_count, total_tokens, total_cost_usd and last_message_at of the affected chat(s)
-- current, so the sidebar and chat header never aggregate messages. The update also fires
-- set_updated_at on the chat, which moves it to the top of the sidebar: this replaces 001's
-- touch_chat_session trigger.
-- Security definer: the counters must move even when the caller couldn't update the chat itself
-- (an admin deleting someone's message).
create or replace function public.refresh_chat_session_totals()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'UPDATE'
     and old.session_id = new.session_id
     and (old.total_tokens, old.cost_usd) is not distinct from (new.total_tokens, new.cost_usd) then
    -- Content and status edits while a response streams: nothing to count.
    return null;
  end if;

  if tg_op in ('UPDATE', 'DELETE') then
    update public.chat_sessions as s
    set message_count = s.message_count - 1,
        total_tokens = s.total_tokens - coalesce(old.total_tokens, 0),
        total_cost_usd = s.total_cost_usd - coalesce(old.cost_usd, 0),
        last_message_at = (
          select max(m.created_at) from public.messages as m where m.session_id = old.session_id
        )
    where s.id = old.session_id;
  end if;

  if tg_op in ('INSERT', 'UPDATE') then
    update public.chat_sessions as s
    set message_count = s.message_count + 1,
        total_tokens = s.total_tokens + coalesce(new.total_tokens, 0),
        total_cost_usd = s.total_cost_usd + coalesce(new.cost_usd, 0),
        last_message_at = greatest(s.last_message_at, new.created_at)
    where s.id = new.session_id;
  end if;

  return null;
end;
$$;

revoke all on function public.refresh_chat_session_totals() from public;

drop trigger if exists on_message_created on public.messages;
drop function if exists public.touch_chat_session();

drop trigger if exists refresh_chat_session_totals on public.messages;
create trigger refresh_chat_session_totals
  after insert or update or delete on public.messages
  for each row execute function public.refresh_chat_session_totals();

-- Bring totals of chats that already had messages up to date. Only chats whose totals disagree
-- are touched (none on a re-run), and set_updated_at is paused so the backfill doesn't reorder
-- everyone's sidebar.
alter table public.chat_sessions disable trigger set_updated_at;

update public.chat_sessions as s
set message_count = t.message_count,
    total_tokens = t.total_tokens,
    total_cost_usd = t.total_cost_usd,
    last_message_at = t.last_message_at
from (
  select
    m.session_id,
    count(*)::integer as message_count,
    coalesce(sum(m.total_tokens), 0)::bigint as total_tokens,
    coalesce(sum(m.cost_usd), 0) as total_cost_usd,
    max(m.created_at) as last_message_at
  from public.messages as m
  group by m.session_id
) as t
where t.session_id = s.id
  and (s.message_count, s.total_tokens, s.total_cost_usd, s.last_message_at)
      is distinct from (t.message_count, t.total_tokens, t.total_cost_usd, t.last_message_at);

alter table public.chat_sessions enable trigger set_updated_at;

-- Usage logging --------------------------------------------------------------------------------

-- As in 003, plus the message the call produced and the time to its first token (the latency a
-- user actually feels while streaming).
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

  -- Spent tokens count against the daily token quota whether or not they fit (see
  -- check_user_quota() in 003).
  if v_total_tokens > 0 then
    insert into public.rate_limits as rl (user_id, limit_type, window_start, window_seconds, count)
    values (p_user_id, 'tokens_per_day', public.rate_limit_window_start(86400), 86400, v_total_tokens)
    on conflict (user_id, limit_type, window_start) do update
      set count = rl.count + excluded.count;
  end if;

  return v_log_id;
end;
$$;

-- Grants ---------------------------------------------------------------------------------------
revoke all on function public.log_api_usage(
  uuid, text, text, text, integer, integer, numeric, integer, text, text, uuid, uuid, integer
) from public;
grant execute on function public.log_api_usage(
  uuid, text, text, text, integer, integer, numeric, integer, text, text, uuid, uuid, integer
) to authenticated;
