-- 002 · Knowledge base: documents the assistant can quote, searched by embedding similarity.
--
-- Entries are private to their author unless published; entries without an author are "system"
-- entries (seeded or imported by the app) and are expected to be public. Admin powers arrive in
-- 003, once profiles have a role.

-- On a managed server the extension is usually created beforehand by a superuser; then this is a
-- no-op. The functions below assume it lives in schema public (the default).
create extension if not exists vector;

-- Tables ---------------------------------------------------------------------------------------

create table if not exists public.categories (
  id uuid primary key default gen_random_uuid(),
  name text not null unique,
  description text,
  -- A CSS colour for the UI badge, e.g. '#4f46e5'.
  color text,
  created_by uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table if not exists public.knowledge_base (
  id uuid primary key default gen_random_uuid(),
  title text not null,
  content text not null,
  category_id uuid references public.categories (id) on delete set null,
  -- Where the text came from (a URL, a file name); shown as the citation.
  source text,
  metadata jsonb not null default '{}',
  -- 1536 dimensions = OpenAI text-embedding-3-small. Null until the entry has been embedded, so an
  -- entry can be saved first and embedded afterwards (or re-embedded with another model).
  embedding vector(1536),
  author_id uuid references auth.users (id) on delete cascade,
  visibility text not null default 'private' check (visibility in ('private', 'public')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- Indexes --------------------------------------------------------------------------------------

-- HNSW rather than IVFFlat: it needs no training data, so it works from the first row and stays
-- accurate as the table grows. Cosine distance rather than inner product: OpenAI's vectors are
-- unit length (where both rank identically), but OpenAI-compatible local models may not be.
create index if not exists knowledge_base_embedding_idx
  on public.knowledge_base using hnsw (embedding vector_cosine_ops);
create index if not exists knowledge_base_author_id_idx on public.knowledge_base (author_id);
create index if not exists knowledge_base_category_id_idx on public.knowledge_base (category_id);

-- Functions and triggers -----------------------------------------------------------------------

drop trigger if exists set_updated_at on public.categories;
create trigger set_updated_at
  before update on public.categories
  for each row execute function public.set_updated_at();

drop trigger if exists set_updated_at on public.knowledge_base;
create trigger set_updated_at
  before update on public.knowledge_base
  for each row execute function public.set_updated_at();

-- Nearest entries to a query embedding, best first.
--
-- Security invoker: the caller's row level security applies, so a user only ever matches public
-- entries and their own. The order by is on the raw distance (not on `similarity`) so the HNSW
-- index can serve it; the threshold is the same test written as a distance.
--
-- hnsw.iterative_scan: a plain HNSW scan yields only ef_search (40) candidates before filters
-- run. Here RLS, the category and the threshold all filter, so on a busy server a user's own
-- entries could fall outside those 40 and the search would return nothing. An iterative scan
-- keeps walking the graph until match_count rows pass (bounded by hnsw.max_scan_tuples), and
-- strict_order keeps results exactly sorted.
create or replace function public.match_knowledge_base(
  query_embedding public.vector(1536),
  match_threshold double precision,
  match_count integer,
  filter_category uuid default null
)
returns table (
  id uuid,
  title text,
  content text,
  category_id uuid,
  similarity double precision
)
language sql
stable
security invoker
set search_path = ''
set hnsw.iterative_scan = strict_order
as $$
  select
    kb.id,
    kb.title,
    kb.content,
    kb.category_id,
    1 - (kb.embedding operator(public.<=>) query_embedding) as similarity
  from public.knowledge_base as kb
  where kb.embedding operator(public.<=>) query_embedding < 1 - match_threshold
    and (filter_category is null or kb.category_id = filter_category)
  order by kb.embedding operator(public.<=>) query_embedding
  limit greatest(match_count, 0)
$$;

-- Per-category counts of the entries the caller can see, and how many still lack an embedding
-- (for the "N documents waiting to be indexed" notice). Uncategorised entries come last with a
-- null category.
create or replace function public.knowledge_base_stats()
returns table (
  category_id uuid,
  category_name text,
  entry_count bigint,
  embedded_count bigint,
  missing_embedding_count bigint
)
language sql
stable
security invoker
set search_path = ''
as $$
  select
    c.id,
    c.name,
    count(*),
    count(kb.embedding),
    count(*) - count(kb.embedding)
  from public.knowledge_base as kb
  left join public.categories as c on c.id = kb.category_id
  group by c.id, c.name
  order by c.name nulls last
$$;

-- Stores an entry's embedding once it has been computed (embedding happens outside any
-- transaction: it is a slow network call). Invoker rights, so the update policies decide who may:
-- the author, or an admin. Returns false when the entry doesn't exist or isn't the caller's.
create or replace function public.set_knowledge_embedding(
  entry_id uuid,
  new_embedding public.vector(1536)
)
returns boolean
language sql
volatile
security invoker
set search_path = ''
as $$
  with updated as (
    update public.knowledge_base
    set embedding = new_embedding
    where id = entry_id
    returning 1
  )
  select exists (select 1 from updated)
$$;

-- Row level security ---------------------------------------------------------------------------

alter table public.categories enable row level security;
alter table public.knowledge_base enable row level security;

drop policy if exists "Signed-in users can read categories" on public.categories;
create policy "Signed-in users can read categories"
  on public.categories for select to authenticated
  using (true);

drop policy if exists "Users can read public entries and their own" on public.knowledge_base;
create policy "Users can read public entries and their own"
  on public.knowledge_base for select to authenticated
  using (visibility = 'public' or author_id = (select auth.uid()));

-- Users add entries as themselves only; system entries (no author) are the app's to create.
drop policy if exists "Users can add entries of their own" on public.knowledge_base;
create policy "Users can add entries of their own"
  on public.knowledge_base for insert to authenticated
  with check (author_id = (select auth.uid()));

drop policy if exists "Users can update their own entries" on public.knowledge_base;
create policy "Users can update their own entries"
  on public.knowledge_base for update to authenticated
  using (author_id = (select auth.uid()))
  with check (author_id = (select auth.uid()));

drop policy if exists "Users can delete their own entries" on public.knowledge_base;
create policy "Users can delete their own entries"
  on public.knowledge_base for delete to authenticated
  using (author_id = (select auth.uid()));

-- Grants ---------------------------------------------------------------------------------------
grant select, insert, update, delete on public.categories, public.knowledge_base to authenticated;
grant execute on function
  public.match_knowledge_base(public.vector, double precision, integer, uuid),
  public.knowledge_base_stats(),
  public.set_knowledge_embedding(uuid, public.vector)
  to authenticated;
