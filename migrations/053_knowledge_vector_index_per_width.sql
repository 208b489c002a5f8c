-- 053 · USE-lite's 512-d vectors get an HNSW index of their own width.
--
-- One column holds every embedder's vector, a narrower one zero-padded to 1536 (cosine unchanged),
-- and 002's one HNSW index took them all. Every distance the graph computed was then over 1536
-- dimensions, two thirds of them zeros for the offline embedder: on PGlite (pgvector in WASM, no
-- SIMD) inserting a chunk's vector took ~14 ms of the database's one thread, about a quarter of
-- the time to embed a corpus with the offline model (`npm run bench:kb`). Now:
--   knowledge_base_embedding_idx      the full column, for every width but 512 (as before);
--   knowledge_base_embedding_512_idx  the first 512 dimensions, for 512-d vectors only.
-- A vector goes into one graph, of its own width; the 512-d graph's distances cost a third. The
-- cosine of the first 512 dimensions is the cosine of the padded vectors: the rest are zeros.
--
-- A query uses a partial index only when its WHERE names the index's condition, so the search
-- functions now say which width they search: knowledge_vector_search by its embedder's dimensions,
-- the seed's match_knowledge_base (a 1536-d query, no embedder named) over the full width only; a
-- USE-lite vector compared with a query of another embedder meant nothing anyway.
-- Results are otherwise unchanged. Safe to run again.

drop index if exists public.knowledge_base_embedding_idx;
create index knowledge_base_embedding_idx on public.knowledge_base
  using hnsw (embedding public.vector_cosine_ops)
  where embedding_dimensions is distinct from 512;

create index if not exists knowledge_base_embedding_512_idx on public.knowledge_base
  using hnsw ((public.subvector(embedding, 1, 512)::public.vector(512)) public.vector_cosine_ops)
  where embedding_dimensions = 512;

create or replace function public.knowledge_vector_search(
  query_embedding public.vector(1536),
  query_embedder text,
  match_count integer,
  filter_category uuid default null
)
returns table (id uuid, similarity double precision)
language plpgsql
stable
security invoker
set search_path = ''
set hnsw.ef_search = 100
set hnsw.iterative_scan = relaxed_order
rows 20
as $$
declare
  narrow constant boolean := coalesce((select e.dimensions = 512 from public.knowledge_embedders as e where e.name = query_embedder), false);
  -- The distance as each index computes it, and the condition that lets the planner use that index.
  distance constant text := case when narrow
    then '(public.subvector(kb.embedding, 1, 512)::public.vector(512)) operator(public.<=>) $1'
    else 'kb.embedding operator(public.<=>) $1' end;
  width constant text := case when narrow
    then 'kb.embedding_dimensions = 512'
    else 'kb.embedding_dimensions is distinct from 512' end;
begin
  -- The LIMIT is a constant in the statement (037: with a parameter, PostgreSQL 15 plans a
  -- sequential scan instead of the HNSW index).
  return query execute format(
    'select v.id, v.similarity from (
       select kb.id, (1 - (%1$s))::double precision as similarity
       from public.knowledge_base as kb
       where %2$s
         and kb.embedder = $2
         and ($3::uuid is null or kb.category_id = $3)
       order by %1$s
       limit %3$s
     ) as v
     order by v.similarity desc, v.id',
    distance, width, greatest(coalesce(match_count, 0), 0))
  using case when narrow then public.subvector(query_embedding, 1, 512) else query_embedding end, query_embedder, filter_category;
end;
$$;

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
  where kb.embedding_dimensions is distinct from 512
    and kb.embedding operator(public.<=>) query_embedding < 1 - match_threshold
    and (filter_category is null or kb.category_id = filter_category)
  order by kb.embedding operator(public.<=>) query_embedding
  limit greatest(match_count, 0)
$$;
