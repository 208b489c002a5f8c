-- 033 · Search in SQL: BM25 over the full-text vectors, vector search per embedder, and hybrid
-- search fusing the two by weighted reciprocal rank fusion.
--
-- All are security invoker: the caller's row level security decides which chunks exist for the
-- search, including the corpus statistics BM25 uses (number of chunks, average length, document
-- frequencies), so scores never reveal anything about chunks the caller can't read.

-- A lexeme as a one-term tsquery, quoted the way tsquery input expects.
create or replace function public.lexeme_tsquery(lexeme text)
returns tsquery
language sql
immutable
parallel safe
set search_path = ''
as $$
  select ('''' || replace(replace(lexeme, '\', '\\'), '''', '''''') || '''')::tsquery
$$;

-- Okapi BM25 with Lucene's idf, log(1 + (N - df + 0.5) / (df + 0.5)), term-frequency saturation
-- (k1) and length normalisation (b). Postgres's ts_rank has neither idf nor saturation: on
-- SciFact it scores 0.57 nDCG@10 against BM25's 0.68. Query words are OR-ed (a question's words
-- rarely all appear in the passage that answers it) and stemmed like the chunks.
--
-- k1 = 0.9, b = 0.4 are Anserini's defaults for short passages (its 0.679 on SciFact).
create or replace function public.knowledge_text_search(
  query_text text,
  match_count integer,
  filter_category uuid default null,
  k1 double precision default 0.9,
  b double precision default 0.4
)
returns table (id uuid, score double precision)
language sql
stable
security invoker
set search_path = ''
as $$
  with terms as (
    select distinct t.lexeme from unnest(to_tsvector('english'::regconfig, query_text)) as t
  ),
  query as (
    select string_agg(public.lexeme_tsquery(lexeme)::text, ' | ')::tsquery as q from terms
  ),
  corpus as (
    select count(*)::double precision as n, coalesce(avg(kb.search_length), 1)::double precision as avgdl
    from public.knowledge_base as kb
    where kb.search_vector is not null
      and (filter_category is null or kb.category_id = filter_category)
  ),
  frequencies as (
    select terms.lexeme,
      (select count(*) from public.knowledge_base as kb
        where kb.search_vector @@ public.lexeme_tsquery(terms.lexeme)
          and (filter_category is null or kb.category_id = filter_category))::double precision as df
    from terms
  ),
  matches as (
    select kb.id, kb.search_vector, kb.search_length
    from public.knowledge_base as kb, query
    where kb.search_vector @@ query.q
      and (filter_category is null or kb.category_id = filter_category)
  )
  select m.id,
    sum(
      ln(1 + (corpus.n - f.df + 0.5) / (f.df + 0.5))
      * (tf.count * (k1 + 1)) / (tf.count + k1 * (1 - b + b * m.search_length / greatest(corpus.avgdl, 1)))
    ) as score
  from matches as m
  cross join corpus
  cross join lateral (
    select t.lexeme, coalesce(array_length(t.positions, 1), 1)::double precision as count
    from unnest(m.search_vector) as t
  ) as tf
  join frequencies as f on f.lexeme = tf.lexeme
  group by m.id
  order by 2 desc, 1
  limit greatest(match_count, 0)
$$;

-- Postgres's own ranking, kept only as the evaluation's baseline row.
create or replace function public.knowledge_ts_rank_search(query_text text, match_count integer)
returns table (id uuid, score double precision)
language sql
stable
security invoker
set search_path = ''
as $$
  with query as (
    select replace(plainto_tsquery('english'::regconfig, query_text)::text, ' & ', ' | ')::tsquery as q
  )
  select kb.id, ts_rank(kb.search_vector, query.q)::double precision as score
  from public.knowledge_base as kb, query
  where kb.search_vector @@ query.q
  order by 2 desc, 1
  limit greatest(match_count, 0)
$$;

-- Nearest chunks made by `query_embedder`, best first. Vectors of different embedders live in
-- different spaces: comparing across them would be noise. ef_search 100 and an iterative scan:
-- row level security, the embedder and the category all filter after the index, and a plain
-- scan yields only ef_search candidates before they run.
create or replace function public.knowledge_vector_search(
  query_embedding public.vector(1536),
  query_embedder text,
  match_count integer,
  filter_category uuid default null
)
returns table (id uuid, similarity double precision)
language sql
stable
security invoker
set search_path = ''
set hnsw.ef_search = 100
set hnsw.iterative_scan = relaxed_order
as $$
  select v.id, v.similarity from (
    select kb.id, 1 - (kb.embedding operator(public.<=>) query_embedding) as similarity
    from public.knowledge_base as kb
    where kb.embedder = query_embedder
      and (filter_category is null or kb.category_id = filter_category)
    order by kb.embedding operator(public.<=>) query_embedding
    limit greatest(match_count, 0)
  ) as v
  order by v.similarity desc, v.id
$$;

-- Weighted reciprocal rank fusion of the two: score = wt / (k + text rank) + wv / (k + vector
-- rank), over each side's top `candidates`. RRF needs no score calibration between BM25 and
-- cosine; the weights (per embedder, 032) keep a weak embedder from outvoting BM25. Without a
-- query embedding (no vectors yet) it is BM25 alone.
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
  with text_side as (
    select t.id, t.score, row_number() over (order by t.score desc, t.id)::integer as r
    from public.knowledge_text_search(query_text, candidates, filter_category) as t
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

grant execute on function
  public.lexeme_tsquery(text),
  public.tsvector_token_count(tsvector),
  public.knowledge_text_search(text, integer, uuid, double precision, double precision),
  public.knowledge_ts_rank_search(text, integer),
  public.knowledge_vector_search(public.vector, text, integer, uuid),
  public.knowledge_hybrid_search(text, public.vector, text, integer, uuid, double precision, double precision, integer, integer)
  to authenticated;
