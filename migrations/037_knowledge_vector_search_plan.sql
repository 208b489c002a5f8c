-- 037 · Vector search uses the HNSW index on a PostgreSQL server too.
--
-- 033's SQL function passed its LIMIT as a parameter; the native planner (PostgreSQL 15) then chose
-- a sequential scan, so vector search was no faster than exact search there (64 ms at 10k chunks,
-- against 4 ms with a constant LIMIT; found by `npm run bench:kb`). The same query, with the
-- LIMIT as a constant through EXECUTE. Results are unchanged. Safe to run again.

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
as $$
begin
  -- The LIMIT is written into the statement as a constant: with a parameter there, PostgreSQL 15
  -- plans a sequential scan instead of the HNSW index.
  return query execute format(
    'select v.id, v.similarity from (
       select kb.id, (1 - (kb.embedding operator(public.<=>) $1))::double precision as similarity
       from public.knowledge_base as kb
       where kb.embedder = $2
         and ($3::uuid is null or kb.category_id = $3)
       order by kb.embedding operator(public.<=>) $1
       limit %s
     ) as v
     order by v.similarity desc, v.id',
    greatest(coalesce(match_count, 0), 0))
  using query_embedding, query_embedder, filter_category;
end;
$$;
