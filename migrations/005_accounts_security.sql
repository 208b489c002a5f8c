-- 005 · Accounts and security: API tokens, sign-in/sign-up throttling, session activity, the
-- first administrator, and what a signed-in user may see of their own sessions and tokens.
--
-- Like 001–004, this file runs in one transaction and is safe to run again.

-- Tables ---------------------------------------------------------------------------------------

-- When a session was last used, for the "where you're signed in" list. Written at most every few
-- minutes per session (the app decides), not on every request.
alter table auth.sessions add column if not exists last_seen_at timestamptz not null default now();

-- Personal API tokens for scripts. Like sessions, only the SHA-256 of the token is stored; the
-- prefix (the first characters of the token) lets people tell their tokens apart in a list.
create table if not exists auth.api_tokens (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  name text not null check (char_length(name) between 1 and 100),
  token_hash text not null unique check (token_hash ~ '^[0-9a-f]{64}$'),
  token_prefix text not null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  expires_at timestamptz,
  revoked_at timestamptz
);

-- One row per failed sign-in and per sign-up, keyed by what is being limited: 'email:<address>'
-- or 'ip:<address>'. Kept in Postgres (not process memory) so limits hold across app processes.
create table if not exists auth.throttle_events (
  id bigint generated always as identity primary key,
  action text not null check (action in ('sign_in_failure', 'sign_up')),
  subject text not null,
  created_at timestamptz not null default now()
);

-- Indexes --------------------------------------------------------------------------------------

create index if not exists api_tokens_user_id_idx on auth.api_tokens (user_id);
-- "How many failures for this subject in the last N minutes": newest first within a subject.
create index if not exists throttle_events_lookup_idx on auth.throttle_events (action, subject, created_at desc);
-- Old events are deleted by time.
create index if not exists throttle_events_created_at_idx on auth.throttle_events using brin (created_at);

-- Row level security -------------------------------------------------------------------------

alter table auth.api_tokens enable row level security;
alter table auth.throttle_events enable row level security;

-- People may see and end their own sessions ("sign out of that laptop"), and manage their own
-- tokens. Validating a cookie or token happens before anyone is known, as the table owner.
grant select, delete on auth.sessions to authenticated;
grant select, insert, delete on auth.api_tokens to authenticated;
grant update (name, revoked_at) on auth.api_tokens to authenticated;

drop policy if exists "Users can see their own sessions" on auth.sessions;
create policy "Users can see their own sessions" on auth.sessions
  for select to authenticated using (user_id = auth.uid());

drop policy if exists "Users can end their own sessions" on auth.sessions;
create policy "Users can end their own sessions" on auth.sessions
  for delete to authenticated using (user_id = auth.uid());

drop policy if exists "Users can see their own API tokens" on auth.api_tokens;
create policy "Users can see their own API tokens" on auth.api_tokens
  for select to authenticated using (user_id = auth.uid());

drop policy if exists "Users can create API tokens for themselves" on auth.api_tokens;
create policy "Users can create API tokens for themselves" on auth.api_tokens
  for insert to authenticated with check (user_id = auth.uid());

drop policy if exists "Users can rename and revoke their own API tokens" on auth.api_tokens;
create policy "Users can rename and revoke their own API tokens" on auth.api_tokens
  for update to authenticated using (user_id = auth.uid()) with check (user_id = auth.uid());

drop policy if exists "Users can delete their own API tokens" on auth.api_tokens;
create policy "Users can delete their own API tokens" on auth.api_tokens
  for delete to authenticated using (user_id = auth.uid());

-- A profile's email mirrors auth.users (001 keeps it in step) and must not be edited on its own;
-- tier and role stay guarded by 003's trigger, which lets only admins change them.
revoke update on public.profiles from authenticated;
grant update (display_name, avatar_url, tier, role) on public.profiles to authenticated;

-- Triggers -------------------------------------------------------------------------------------

-- The first account on an empty database administers it. The advisory lock makes two
-- simultaneous first sign-ups take turns, so exactly one of them sees an empty table.
create or replace function public.promote_first_user()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('airassist:first-admin'));
  if not exists (select 1 from auth.users as u where u.id <> new.id) then
    update public.profiles set role = 'admin' where id = new.id;
  end if;
  return new;
end;
$$;

-- Named to fire after 001's on_auth_user_created (triggers fire in name order), once the
-- profile exists.
drop trigger if exists on_auth_user_created_promote_first on auth.users;
create trigger on_auth_user_created_promote_first
  after insert on auth.users
  for each row execute function public.promote_first_user();

-- Disabling an account ends its sessions at once; its API tokens stop working while it is
-- disabled (checked when a token is used) and work again if it is re-enabled.
create or replace function auth.end_sessions_of_disabled_user()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  delete from auth.sessions where user_id = new.id;
  return new;
end;
$$;

drop trigger if exists on_auth_user_disabled on auth.users;
create trigger on_auth_user_disabled
  after update of is_disabled on auth.users
  for each row when (new.is_disabled and not old.is_disabled)
  execute function auth.end_sessions_of_disabled_user();

revoke execute on function public.promote_first_user() from public;
revoke execute on function auth.end_sessions_of_disabled_user() from public;
