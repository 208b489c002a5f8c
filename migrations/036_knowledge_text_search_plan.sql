-- 036 · BM25 search computes each query term's document frequency once.
--
-- In 033 the planner inlined the `frequencies` CTE into the scoring join and re-counted a term's
-- document frequency once per matching chunk: at 10k chunks a hybrid search took 3.5–5.7 s (found
-- by `npm run bench:kb`). Materialising `corpus` and `frequencies` makes each a one-off count
-- (521 ms → 31 ms for one query at 2k chunks). The ranking is unchanged. Safe to run again.

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
  corpus as materialized (
    select count(*)::double precision as n, coalesce(avg(kb.search_length), 1)::double precision as avgdl
    from public.knowledge_base as kb
    where kb.search_vector is not null
      and (filter_category is null or kb.category_id = filter_category)
  ),
  frequencies as materialized (
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
