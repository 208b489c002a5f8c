-- 043 · Corpus statistics for BM25, kept up to date instead of counted per query.
--
-- BM25 needs the number of searchable chunks (N) and their average length (avgdl) over what the
-- searcher may read. 036 counted them on every query: a scan of every visible chunk, 15 ms at 10k
-- chunks on PGlite and ten times that at 100k, before any scoring. Here they are sums kept per
-- reading scope — published chunks, and each author's private ones — so a search reads a handful
-- of rows, and row level security on this table (the same rule as knowledge_base's) picks the
-- scopes the searcher sees: N and avgdl are exactly those of the chunks they could find.
--
-- One statement-level trigger on knowledge_base moves the sums from the changed rows' transition
-- tables, in the same transaction, with one grouped upsert per statement (a document's chunks are
-- one insert). Updates that change neither text nor who may read it (the embedding worker's) net
-- to zero and write nothing, so embedding never queues on these rows. A statement that moves
-- chunks between scopes (publishing) takes the rows in scope order. Safe to run again: the
-- backfill recounts from the chunks.

create table if not exists public.knowledge_text_corpus (
  -- 'public', or 'private:' || the author's id ('private:' for private chunks with no author).
  scope text primary key,
  visibility text not null check (visibility in ('public', 'private')),
  author_id uuid,
  chunks bigint not null default 0,
  total_length bigint not null default 0
);

comment on table public.knowledge_text_corpus is
  'BM25 corpus statistics per reading scope (chunk count and total search_length of chunks with a search_vector); kept by a trigger on knowledge_base.';

alter table public.knowledge_text_corpus enable row level security;

drop policy if exists "Users can read published and their own corpus statistics" on public.knowledge_text_corpus;
create policy "Users can read published and their own corpus statistics"
  on public.knowledge_text_corpus for select to authenticated
  using (visibility = 'public' or author_id = (select auth.uid()));

drop policy if exists "Admins can read all corpus statistics" on public.knowledge_text_corpus;
create policy "Admins can read all corpus statistics"
  on public.knowledge_text_corpus for select to authenticated
  using ((select public.is_admin()));

grant select on public.knowledge_text_corpus to authenticated;

create or replace function public.knowledge_text_scope(visibility text, author_id uuid)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select case when visibility = 'public' then 'public' else 'private:' || coalesce(author_id::text, '') end
$$;

create or replace function public.count_knowledge_text_corpus()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  -- Each branch names only the transition tables its event has.
  if tg_op = 'INSERT' then
    insert into public.knowledge_text_corpus as c (scope, visibility, author_id, chunks, total_length)
    select public.knowledge_text_scope(n.visibility, n.author_id), n.visibility,
      case when n.visibility = 'public' then null else n.author_id end, count(*), sum(coalesce(n.search_length, 0))
    from new_rows as n
    where n.search_vector is not null
    group by 1, 2, 3
    order by 1
    on conflict (scope) do update set chunks = c.chunks + excluded.chunks, total_length = c.total_length + excluded.total_length;
  elsif tg_op = 'DELETE' then
    update public.knowledge_text_corpus as c
    set chunks = c.chunks - d.chunks, total_length = c.total_length - d.total_length
    from (
      select public.knowledge_text_scope(o.visibility, o.author_id) as scope, count(*) as chunks, sum(coalesce(o.search_length, 0)) as total_length
      from old_rows as o
      where o.search_vector is not null
      group by 1
      order by 1
    ) as d
    where c.scope = d.scope;
  else
    insert into public.knowledge_text_corpus as c (scope, visibility, author_id, chunks, total_length)
    select m.scope, m.visibility, m.author_id, sum(m.chunks), sum(m.total_length)
    from (
      select public.knowledge_text_scope(n.visibility, n.author_id) as scope, n.visibility,
        case when n.visibility = 'public' then null else n.author_id end as author_id,
        1 as chunks, coalesce(n.search_length, 0) as total_length
      from new_rows as n
      where n.search_vector is not null
      union all
      select public.knowledge_text_scope(o.visibility, o.author_id), o.visibility,
        case when o.visibility = 'public' then null else o.author_id end,
        -1, -coalesce(o.search_length, 0)
      from old_rows as o
      where o.search_vector is not null
    ) as m
    group by 1, 2, 3
    having sum(m.chunks) <> 0 or sum(m.total_length) <> 0
    order by 1
    on conflict (scope) do update set chunks = c.chunks + excluded.chunks, total_length = c.total_length + excluded.total_length;
  end if;
  if tg_op <> 'INSERT' then
    delete from public.knowledge_text_corpus where chunks <= 0;
  end if;
  return null;
end;
$$;

drop trigger if exists count_inserted_knowledge_text on public.knowledge_base;
create trigger count_inserted_knowledge_text
  after insert on public.knowledge_base
  referencing new table as new_rows
  for each statement execute function public.count_knowledge_text_corpus();

drop trigger if exists count_updated_knowledge_text on public.knowledge_base;
create trigger count_updated_knowledge_text
  after update on public.knowledge_base
  referencing old table as old_rows new table as new_rows
  for each statement execute function public.count_knowledge_text_corpus();

drop trigger if exists count_deleted_knowledge_text on public.knowledge_base;
create trigger count_deleted_knowledge_text
  after delete on public.knowledge_base
  referencing old table as old_rows
  for each statement execute function public.count_knowledge_text_corpus();

-- Backfill (and, on a re-run, recount) from the chunks themselves.
delete from public.knowledge_text_corpus;
insert into public.knowledge_text_corpus (scope, visibility, author_id, chunks, total_length)
select public.knowledge_text_scope(kb.visibility, kb.author_id), kb.visibility,
  case when kb.visibility = 'public' then null else kb.author_id end, count(*), sum(coalesce(kb.search_length, 0))
from public.knowledge_base as kb
where kb.search_vector is not null
group by 1, 2, 3;
