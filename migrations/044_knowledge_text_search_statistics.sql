-- 044 · BM25 search reads its corpus statistics from 043 and its term statistics from the matches.
--
-- At 10k chunks 036 took 255 ms a query on PGlite (90–140 ms on a server), which put the
-- knowledge base far above its budget in a chat's time to first token. Where the time went:
--   - N and avgdl: a scan of every visible chunk per query → now a few rows of knowledge_text_corpus;
--   - each query term's document frequency: one more scan per term, the GIN index unused (the
--     term's tsquery was a per-row function call) → now counted from the matching chunks, which
--     already are every visible chunk holding a query term;
--   - the matches themselves: a sequential scan. Under row level security Postgres won't use an
--     index for a condition whose operator isn't leakproof (tsvector @@ tsquery isn't, and only a
--     superuser could declare it so), since the index would test rows the policy hides. So the
--     GIN index is searched by knowledge_text_candidates(), security definer, which applies the
--     same reading rule as the policies; the search then reads those chunks by id as the caller,
--     and row level security decides, as everywhere, which of them take part. The helper only
--     narrows: were its rule ever looser than the policies, the policies still drop the rows;
--   - term frequencies: every match's whole tsvector unnested and joined → now cut down to the
--     query's lexemes first with setweight + ts_filter (C functions; search vectors carry no
--     weights of their own, 031), leaving one row per matched term.
--
-- The ranking is Okapi BM25 as in 033 with one deliberate change: a category filter no longer
-- narrows the statistics. Like a filter in Lucene, it chooses which chunks are returned, not
-- how rare a word is, so a chunk's score is the same with and without the filter. Safe to run
-- again.

-- The ids of the chunks matching `query` that the caller may read (the rule of the policies on
-- knowledge_base, 002/003/040), found through the GIN index. Only ids: the caller's own query
-- reads the rows, under row level security.
create or replace function public.knowledge_text_candidates(query tsquery)
returns table (id uuid)
language sql
stable
security definer
set search_path = ''
as $$
  select kb.id
  from public.knowledge_base as kb
  where kb.search_vector @@ query
    and (kb.visibility = 'public' or kb.author_id = (select auth.uid()) or (select public.is_admin_or_server()))
$$;

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
  with terms as materialized (
    select coalesce(array_agg(distinct t.lexeme), '{}') as lexemes
    from unnest(to_tsvector('english'::regconfig, query_text)) as t
  ),
  corpus as materialized (
    select coalesce(sum(c.chunks), 0)::double precision as n,
      coalesce(sum(c.total_length)::double precision / nullif(sum(c.chunks), 0), 1) as avgdl
    from public.knowledge_text_corpus as c
  ),
  matches as materialized (
    select kb.id, kb.category_id, kb.search_length,
      ts_filter(setweight(setweight(kb.search_vector, 'D'), 'A', (select lexemes from terms)), '{a}') as hits
    from public.knowledge_base as kb
    where kb.id in (
      select c.id from public.knowledge_text_candidates((
        select string_agg(public.lexeme_tsquery(l)::text, ' | ')::tsquery from unnest((select lexemes from terms)) as l
      )) as c
    )
      and kb.search_vector is not null
  ),
  tf as materialized (
    select m.id, m.category_id, m.search_length, t.lexeme, coalesce(array_length(t.positions, 1), 1)::double precision as count
    from matches as m
    cross join lateral unnest(m.hits) as t
  ),
  frequencies as (
    select tf.lexeme, count(*)::double precision as df from tf group by tf.lexeme
  )
  select tf.id,
    sum(
      ln(1 + (corpus.n - f.df + 0.5) / (f.df + 0.5))
      * (tf.count * (k1 + 1)) / (tf.count + k1 * (1 - b + b * tf.search_length / greatest(corpus.avgdl, 1)))
    ) as score
  from tf
  join frequencies as f on f.lexeme = tf.lexeme
  cross join corpus
  where filter_category is null or tf.category_id = filter_category
  group by tf.id
  order by 2 desc, 1
  limit greatest(match_count, 0)
$$;

revoke execute on function public.knowledge_text_candidates(tsquery) from public;
grant execute on function public.knowledge_text_candidates(tsquery) to authenticated;
