-- 006 · Chat: answers that branch (regenerate, edit and re-ask), streaming bookkeeping, search,
-- and read-only shared snapshots.
--
-- Like every file here, it runs in one transaction and is safe to run again.

-- Message tree -----------------------------------------------------------------------------------

-- Messages form a tree: a regenerated answer or an edited question is a sibling of the version it
-- replaces (same parent), so earlier versions stay readable (‹ 1/2 ›). The parent must be in the
-- same chat, which the composite key below enforces.
-- Chats from before this migration were linear: each message's parent becomes the message before
-- it. Done only when the column is first added, so a re-run never re-parents newer root versions.
do $$
begin
  if not exists (
    select 1 from information_schema.columns
    where table_schema = 'public' and table_name = 'messages' and column_name = 'parent_id'
  ) then
    alter table public.messages add column parent_id uuid;
    update public.messages as m
    set parent_id = ordered.previous_id
    from (
      select id, lag(id) over (partition by session_id order by created_at, id) as previous_id
      from public.messages
    ) as ordered
    where ordered.id = m.id and ordered.previous_id is not null;
  end if;
end
$$;

-- Moves on every write to a message. While an answer streams, the generating process saves the
-- partial text every few hundred milliseconds: a message left 'streaming' whose updated_at is old
-- belongs to a process that died, and is closed as interrupted.
alter table public.messages add column if not exists updated_at timestamptz not null default now();

do $$
begin
  if not exists (select 1 from pg_constraint where conname = 'messages_id_session_id_key') then
    alter table public.messages add constraint messages_id_session_id_key unique (id, session_id);
  end if;
  if not exists (select 1 from pg_constraint where conname = 'messages_parent_in_same_session_fkey') then
    alter table public.messages add constraint messages_parent_in_same_session_fkey
      foreign key (parent_id, session_id) references public.messages (id, session_id) on delete cascade;
  end if;
end
$$;

-- The version of the conversation last shown, so a reload returns to the same branch. Set null if
-- that message is deleted (the app then falls back to the newest leaf).
alter table public.chat_sessions add column if not exists current_leaf_id uuid;

do $$
begin
  if not exists (select 1 from pg_constraint where conname = 'chat_sessions_current_leaf_id_fkey') then
    alter table public.chat_sessions add constraint chat_sessions_current_leaf_id_fkey
      foreign key (current_leaf_id) references public.messages (id) on delete set null;
  end if;
end
$$;

drop trigger if exists set_updated_at on public.messages;
create trigger set_updated_at
  before update on public.messages
  for each row execute function public.set_updated_at();

-- Indexes ----------------------------------------------------------------------------------------

create index if not exists messages_parent_id_idx on public.messages (parent_id);
-- Finding answers still in flight (stale-stream sweep) without scanning all messages.
create index if not exists messages_streaming_updated_at_idx on public.messages (updated_at)
  where status in ('pending', 'streaming');
-- Sidebar search over titles and message text. 'simple' (no stemming) because chats mix languages.
create index if not exists messages_content_search_idx on public.messages using gin (to_tsvector('simple', content));
create index if not exists chat_sessions_title_search_idx on public.chat_sessions using gin (to_tsvector('simple', title));

-- Shared snapshots -------------------------------------------------------------------------------

-- A share is a frozen copy of the visible conversation at the moment of sharing, reachable by an
-- unguessable token (24 random bytes) until revoked. Later messages are not exposed.
create table if not exists public.chat_shares (
  id uuid primary key default gen_random_uuid(),
  session_id uuid not null,
  user_id uuid not null references auth.users (id) on delete cascade,
  token text not null unique check (char_length(token) >= 32),
  title text not null,
  snapshot jsonb not null,
  created_at timestamptz not null default now(),
  revoked_at timestamptz,
  foreign key (session_id, user_id) references public.chat_sessions (id, user_id) on delete cascade
);

create index if not exists chat_shares_session_id_idx on public.chat_shares (session_id);

alter table public.chat_shares enable row level security;

grant select, insert, update, delete on public.chat_shares to authenticated;

-- Reading a share by its token happens without an account, as the table owner; request roles only
-- ever see their own shares, so tokens can't be listed.
drop policy if exists "Users can see their own shares" on public.chat_shares;
create policy "Users can see their own shares" on public.chat_shares
  for select to authenticated using (user_id = auth.uid());

drop policy if exists "Users can share their own chats" on public.chat_shares;
create policy "Users can share their own chats" on public.chat_shares
  for insert to authenticated with check (user_id = auth.uid());

drop policy if exists "Users can revoke their own shares" on public.chat_shares;
create policy "Users can revoke their own shares" on public.chat_shares
  for update to authenticated using (user_id = auth.uid()) with check (user_id = auth.uid());

drop policy if exists "Users can delete their own shares" on public.chat_shares;
create policy "Users can delete their own shares" on public.chat_shares
  for delete to authenticated using (user_id = auth.uid());
