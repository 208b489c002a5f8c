-- 046 · Hybrid search's fusion as its own function, so the keyword side can run while the query is
-- still being embedded.
--
-- knowledge_hybrid_search (033) needs the query's vector before it starts, so a search waited for
-- the embedder (11–13 ms for the offline model) and only then ran BM25. The app now runs BM25
-- (knowledge_text_search) while the embedder works, then hands its ranked ids to
-- knowledge_hybrid_fuse, which runs the vector side and fuses both by reciprocal rank fusion.
-- knowledge_hybrid_search keeps its signature and results and is now BM25 + this function, so
-- there is one fusion rule. Safe to run again.

-- `text_ids`/`text_scores`: the keyword side, best first (knowledge_text_search's output). The ids
-- come from the caller, so each is checked again here as the caller (row level security) and
-- against the category filter: an id the caller can't read takes no part.
create or replace function public.knowledge_hybrid_fuse(
  text_ids uuid[],
  text_scores double precision[],
  query_embedding public.vector(1536),
  query_embedder text,
  match_count integer,
  filter_category uuid default null,
  text_weight double precision default 1,
  vector_weight double precision default 1,
  rrf_k integer default 60,
  candidates integer default 50
)
returns table (id uuid, score double precision, text_rank integer, text_score double precision, vector_rank integer, similarity double precision)
language sql
stable
security invoker
set search_path = ''
as $$
  with given as (
    select g.id, g.score, g.position
    from unnest(coalesce(text_ids, '{}'), coalesce(text_scores, '{}')) with ordinality as g(id, score, position)
    where g.position <= greatest(candidates, 0)
  ),
  text_side as (
    select g.id, g.score, row_number() over (order by g.position)::integer as r
    from given as g
    join public.knowledge_base as kb on kb.id = g.id
    where filter_category is null or kb.category_id = filter_category
  ),
  vector_side as (
    select v.id, v.similarity, row_number() over (order by v.similarity desc, v.id)::integer as r
    from public.knowledge_vector_search(query_embedding, query_embedder, case when query_embedding is null then 0 else candidates end, filter_category) as v
  )
  select coalesce(t.id, v.id) as id,
    coalesce(text_weight / (rrf_k + t.r), 0) + coalesce(vector_weight / (rrf_k + v.r), 0) as score,
    t.r, t.score, v.r, v.similarity
  from text_side as t
  full outer join vector_side as v on v.id = t.id
  order by 2 desc, coalesce(t.r, 1000000), coalesce(v.r, 1000000), 1
  limit greatest(match_count, 0)
$$;

create or replace function public.knowledge_hybrid_search(
  query_text text,
  query_embedding public.vector(1536),
  query_embedder text,
  match_count integer,
  filter_category uuid default null,
  text_weight double precision default 1,
  vector_weight double precision default 1,
  rrf_k integer default 60,
  candidates integer default 50
)
returns table (id uuid, score double precision, text_rank integer, text_score double precision, vector_rank integer, similarity double precision)
language sql
stable
security invoker
set search_path = ''
as $$
  with text_side as materialized (
    select array_agg(t.id order by t.score desc, t.id) as ids, array_agg(t.score order by t.score desc, t.id) as scores
    from public.knowledge_text_search(query_text, candidates, filter_category) as t
  )
  select f.id, f.score, f.text_rank, f.text_score, f.vector_rank, f.similarity
  from text_side
  cross join lateral public.knowledge_hybrid_fuse(text_side.ids, text_side.scores, query_embedding, query_embedder,
    match_count, filter_category, text_weight, vector_weight, rrf_k, candidates) as f
  order by f.score desc, coalesce(f.text_rank, 1000000), coalesce(f.vector_rank, 1000000), f.id
$$;

grant execute on function
  public.knowledge_hybrid_fuse(uuid[], double precision[], public.vector, text, integer, uuid, double precision, double precision, integer, integer)
  to authenticated;
