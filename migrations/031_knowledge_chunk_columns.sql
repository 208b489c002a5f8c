-- 031 · knowledge_base rows become chunks of a document: where in it they are, which embedder
-- made their vector, and a full-text vector for BM25 (033).
--
-- Entries from before documents existed keep document_id null and stay searchable.

alter table public.knowledge_base
  add column if not exists document_id uuid references public.knowledge_documents (id) on delete cascade,
  -- 0-based position in the document.
  add column if not exists chunk_index integer,
  -- The headings above the chunk, outermost first (['Install', 'With Docker']).
  add column if not exists heading_path text[] not null default '{}',
  -- 1-based PDF page the chunk starts on; null for other formats.
  add column if not exists page integer,
  -- gpt-tokenizer (o200k) tokens in content.
  add column if not exists token_count integer,
  -- Which embedder (032) made `embedding`, and its native dimension: a 512-d vector is stored
  -- zero-padded in vector(1536), which keeps cosine similarity exact. A query is compared only
  -- with chunks of its own embedder.
  add column if not exists embedder text,
  add column if not exists embedding_dimensions integer,
  -- Re-embedding with another embedder writes here while search keeps using `embedding`; the
  -- switch-over copies these into place in one transaction.
  add column if not exists pending_embedding vector(1536),
  add column if not exists pending_embedder text,
  -- Full text for BM25: title, headings and content, stemmed ('english'); and the number of
  -- tokens in it (BM25's document length), kept by the trigger below.
  add column if not exists search_vector tsvector,
  add column if not exists search_length integer;

create unique index if not exists knowledge_base_document_chunk_idx on public.knowledge_base (document_id, chunk_index);
create index if not exists knowledge_base_search_vector_idx on public.knowledge_base using gin (search_vector);
create index if not exists knowledge_base_embedder_idx on public.knowledge_base (embedder);
-- Chunks still waiting for a vector, for the embedding jobs.
create index if not exists knowledge_base_unembedded_idx on public.knowledge_base (document_id, chunk_index) where embedding is null;

-- Number of token occurrences in a tsvector (its length() counts distinct lexemes only).
create or replace function public.tsvector_token_count(vector tsvector)
returns integer
language sql
immutable
parallel safe
set search_path = ''
as $$
  select coalesce(sum(coalesce(array_length(t.positions, 1), 1)), 0)::integer from unnest(vector) as t
$$;

create or replace function public.knowledge_base_search_fields()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.search_vector := to_tsvector('english'::regconfig,
    new.title || ' ' || array_to_string(new.heading_path, ' ') || ' ' || new.content);
  new.search_length := public.tsvector_token_count(new.search_vector);
  return new;
end
$$;

drop trigger if exists knowledge_base_search_fields on public.knowledge_base;
create trigger knowledge_base_search_fields
  before insert or update of title, content, heading_path on public.knowledge_base
  for each row execute function public.knowledge_base_search_fields();

update public.knowledge_base set title = title where search_vector is null;

-- 002 let a user insert or update an entry of their own as 'public'; publishing is for admins
-- (whose own policy from 003 still allows everything).
drop policy if exists "Users can add entries of their own" on public.knowledge_base;
create policy "Users can add entries of their own"
  on public.knowledge_base for insert to authenticated
  with check (author_id = (select auth.uid()) and visibility = 'private');

drop policy if exists "Users can update their own entries" on public.knowledge_base;
create policy "Users can update their own entries"
  on public.knowledge_base for update to authenticated
  using (author_id = (select auth.uid()))
  with check (author_id = (select auth.uid()) and visibility = 'private');
