-- 001 · Core: accounts, profiles, settings, chats and messages.
--
-- Every file in ./migrations runs inside one transaction and must be safe to run again on a
-- database that already has it (and the later files) applied, so every statement is guarded:
-- `if not exists`, `create or replace`, drop-then-create for triggers and policies.
--
-- Identity model (Supabase-compatible, without Supabase): the app owns every table and connects as
-- that owner. To act for a signed-in user it opens a transaction, runs
--   select set_config('request.jwt.claim.sub', '<user uuid>', true); set local role authenticated;
-- and row level security then limits every query to what that user may see. With no claim set and
-- no `set role`, the app is the table owner and RLS does not apply (sign-up, background jobs).

create schema if not exists auth;

-- Roles ----------------------------------------------------------------------------------------
-- Roles are cluster-wide: another database on the same server may have created them already.
-- The migrating role must be a member of each so that the app can `set local role` into it.
-- `service_role` carries no privileges here: the app's privileged path is the table owner (a
-- BYPASSRLS role would need a superuser to create). It exists so Supabase-style grants resolve.
do $$
declare
  api_role text;
begin
  foreach api_role in array array['anon', 'authenticated', 'service_role'] loop
    if not exists (select 1 from pg_catalog.pg_roles where rolname = api_role) then
      execute format('create role %I nologin', api_role);
    end if;
    if not pg_catalog.pg_has_role(current_user, api_role, 'member') then
      execute format('grant %I to %I', api_role, current_user);
    end if;
  end loop;
end
$$;

-- Tables ---------------------------------------------------------------------------------------

-- Accounts are managed by the app itself (argon2 hashes, its own session cookies); no API role is
-- granted anything on auth.users or auth.sessions.
create table if not exists auth.users (
  id uuid primary key default gen_random_uuid(),
  email text not null,
  -- null for accounts that cannot sign in with a password (invited, or created by an admin)
  password_hash text,
  raw_user_meta_data jsonb not null default '{}',
  email_confirmed_at timestamptz,
  last_sign_in_at timestamptz,
  is_disabled boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table if not exists auth.sessions (
  -- The hex SHA-256 of the session token, never the token itself: a leaked table can't be
  -- replayed as cookies.
  id text primary key check (id ~ '^[0-9a-f]{64}$'),
  user_id uuid not null references auth.users (id) on delete cascade,
  expires_at timestamptz not null,
  created_at timestamptz not null default now(),
  ip_address inet,
  user_agent text
);

-- Public, user-editable face of an account. Created by a trigger on auth.users, never by the app.
create table if not exists public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  email text not null,
  display_name text,
  avatar_url text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table if not exists public.user_settings (
  user_id uuid primary key references auth.users (id) on delete cascade,
  theme text not null default 'system' check (theme in ('system', 'light', 'dark')),
  -- A model name from model_configurations (003). Deliberately not a foreign key: removing a
  -- model must not fail or silently rewrite people's settings; the app falls back to the default.
  default_model text,
  temperature numeric(3, 2) not null default 0.7 check (temperature between 0 and 2),
  max_tokens integer not null default 2048 check (max_tokens between 1 and 200000),
  system_prompt text,
  use_knowledge_base boolean not null default true,
  language text not null default 'en',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table if not exists public.chat_sessions (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  title text not null default 'New chat',
  -- The model and prompt this chat was started with; null means "use my settings".
  model text,
  system_prompt text,
  is_pinned boolean not null default false,
  is_archived boolean not null default false,
  metadata jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- The session foreign key is declared inline on purpose: 004 replaces it with a composite key
-- (session_id, user_id), and a re-run of this file must not bring the old one back.
create table if not exists public.messages (
  id uuid primary key default gen_random_uuid(),
  session_id uuid not null references public.chat_sessions (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  role text not null check (role in ('system', 'user', 'assistant')),
  content text not null,
  metadata jsonb not null default '{}',
  created_at timestamptz not null default now()
);

-- Indexes --------------------------------------------------------------------------------------

-- Emails are compared case-insensitively: "Ada@x.org" and "ada@x.org" are one account.
create unique index if not exists users_email_lower_key on auth.users (lower(email));
create index if not exists sessions_user_id_idx on auth.sessions (user_id);
-- Lets a periodic job delete expired sessions without scanning the table.
create index if not exists sessions_expires_at_idx on auth.sessions (expires_at);

-- The sidebar: a user's chats, most recently active first.
create index if not exists chat_sessions_user_id_updated_at_idx
  on public.chat_sessions (user_id, updated_at desc);
-- A chat's transcript in order; also serves the cascade from chat_sessions.
create index if not exists messages_session_id_created_at_idx
  on public.messages (session_id, created_at);
-- RLS filters every message query by user_id, and deleting an account cascades through it.
create index if not exists messages_user_id_idx on public.messages (user_id);

-- Functions and triggers -----------------------------------------------------------------------

-- The signed-in user for this transaction, or null when the app is acting as itself.
-- current_setting(..., true) returns '' (not null) once a transaction-local setting has been
-- reset, hence the nullif.
create or replace function auth.uid()
returns uuid
language sql
stable
as $$
  select nullif(current_setting('request.jwt.claim.sub', true), '')::uuid
$$;

create or replace function public.set_updated_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end;
$$;

-- Runs as the owner because the signing-up user has no identity yet and no insert policy on
-- profiles: this trigger is the only way a profile comes into being.
create or replace function public.handle_new_user()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.profiles (id, email, display_name)
  values (
    new.id,
    new.email,
    coalesce(
      nullif(btrim(new.raw_user_meta_data ->> 'display_name'), ''),
      split_part(new.email, '@', 1)
    )
  )
  on conflict (id) do nothing;

  insert into public.user_settings (user_id)
  values (new.id)
  on conflict (user_id) do nothing;

  return new;
end;
$$;

-- profiles.email is a copy for display and admin search; auth.users stays the source of truth.
create or replace function public.sync_profile_email()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.profiles set email = new.email where id = new.id;
  return new;
end;
$$;

-- New messages move their chat to the top of the sidebar. (004 replaces this with a trigger that
-- also keeps per-chat token and cost totals.)
create or replace function public.touch_chat_session()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.chat_sessions set updated_at = now() where id = new.session_id;
  return null;
end;
$$;

-- Trigger functions are not meant to be called directly by anyone.
revoke all on function public.handle_new_user() from public;
revoke all on function public.sync_profile_email() from public;
revoke all on function public.touch_chat_session() from public;

drop trigger if exists on_auth_user_created on auth.users;
create trigger on_auth_user_created
  after insert on auth.users
  for each row execute function public.handle_new_user();

drop trigger if exists on_auth_user_email_changed on auth.users;
create trigger on_auth_user_email_changed
  after update of email on auth.users
  for each row
  when (old.email is distinct from new.email)
  execute function public.sync_profile_email();

drop trigger if exists set_updated_at on auth.users;
create trigger set_updated_at
  before update on auth.users
  for each row execute function public.set_updated_at();

drop trigger if exists set_updated_at on public.profiles;
create trigger set_updated_at
  before update on public.profiles
  for each row execute function public.set_updated_at();

drop trigger if exists set_updated_at on public.user_settings;
create trigger set_updated_at
  before update on public.user_settings
  for each row execute function public.set_updated_at();

drop trigger if exists set_updated_at on public.chat_sessions;
create trigger set_updated_at
  before update on public.chat_sessions
  for each row execute function public.set_updated_at();

drop trigger if exists on_message_created on public.messages;
create trigger on_message_created
  after insert on public.messages
  for each row execute function public.touch_chat_session();

-- Row level security ---------------------------------------------------------------------------

-- auth tables get RLS with no policies at all: only their owner (the app) can touch them.
alter table auth.users enable row level security;
alter table auth.sessions enable row level security;
alter table public.profiles enable row level security;
alter table public.user_settings enable row level security;
alter table public.chat_sessions enable row level security;
alter table public.messages enable row level security;

-- Policies call `(select auth.uid())` rather than `auth.uid()` so Postgres evaluates it once per
-- statement (an InitPlan) instead of once per row.

-- Profiles are created by handle_new_user and removed with the account, so users only read and
-- edit theirs. (003 stops them from changing their own tier or role.)
drop policy if exists "Users can read their own profile" on public.profiles;
create policy "Users can read their own profile"
  on public.profiles for select to authenticated
  using (id = (select auth.uid()));

drop policy if exists "Users can update their own profile" on public.profiles;
create policy "Users can update their own profile"
  on public.profiles for update to authenticated
  using (id = (select auth.uid()))
  with check (id = (select auth.uid()));

drop policy if exists "Users can read their own settings" on public.user_settings;
create policy "Users can read their own settings"
  on public.user_settings for select to authenticated
  using (user_id = (select auth.uid()));

-- Lets the app recreate a missing settings row with an upsert in the user's own transaction.
drop policy if exists "Users can create their own settings" on public.user_settings;
create policy "Users can create their own settings"
  on public.user_settings for insert to authenticated
  with check (user_id = (select auth.uid()));

drop policy if exists "Users can update their own settings" on public.user_settings;
create policy "Users can update their own settings"
  on public.user_settings for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));

drop policy if exists "Users can read their own chats" on public.chat_sessions;
create policy "Users can read their own chats"
  on public.chat_sessions for select to authenticated
  using (user_id = (select auth.uid()));

drop policy if exists "Users can start chats of their own" on public.chat_sessions;
create policy "Users can start chats of their own"
  on public.chat_sessions for insert to authenticated
  with check (user_id = (select auth.uid()));

drop policy if exists "Users can update their own chats" on public.chat_sessions;
create policy "Users can update their own chats"
  on public.chat_sessions for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));

drop policy if exists "Users can delete their own chats" on public.chat_sessions;
create policy "Users can delete their own chats"
  on public.chat_sessions for delete to authenticated
  using (user_id = (select auth.uid()));

drop policy if exists "Users can read their own messages" on public.messages;
create policy "Users can read their own messages"
  on public.messages for select to authenticated
  using (user_id = (select auth.uid()));

-- Owning the message is not enough: the chat it goes into must be the user's too.
drop policy if exists "Users can add messages to their own chats" on public.messages;
create policy "Users can add messages to their own chats"
  on public.messages for insert to authenticated
  with check (
    user_id = (select auth.uid())
    and exists (
      select 1
      from public.chat_sessions as s
      where s.id = session_id
        and s.user_id = (select auth.uid())
    )
  );

drop policy if exists "Users can update their own messages" on public.messages;
create policy "Users can update their own messages"
  on public.messages for update to authenticated
  using (user_id = (select auth.uid()))
  with check (user_id = (select auth.uid()));

drop policy if exists "Users can delete their own messages" on public.messages;
create policy "Users can delete their own messages"
  on public.messages for delete to authenticated
  using (user_id = (select auth.uid()));

-- Grants ---------------------------------------------------------------------------------------
-- Table privileges are granted in full and the policies decide: with RLS on, a row no policy
-- admits is invisible to reads and refused on writes, so the policies are the one place where
-- access is defined.
grant usage on schema public to authenticated;
grant usage on schema auth to authenticated;
grant execute on function auth.uid() to authenticated;
grant select, insert, update, delete
  on public.profiles, public.user_settings, public.chat_sessions, public.messages
  to authenticated;
