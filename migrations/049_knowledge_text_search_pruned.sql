-- 049 · BM25 skips the chunks that can't reach the top: exact top-k by upper bounds (MaxScore).
--
-- 044 scored every visible chunk holding any query word. A question with one common word ("chat",
-- a product name) read a tenth of the knowledge base per search: at 10k chunks 10–13 ms of the
-- knowledge base's cost in a chat's time to first token, and linear in the corpus. Lucene avoids
-- this with MaxScore; so does this, in SQL:
--   - each query term's document frequency comes first, counted through the GIN index
--     (knowledge_text_term_counts, under the reading rule of the policies: see below), so its idf
--     and its highest possible contribution, idf·(k1 + 1), are known before any chunk is read;
--   - chunks holding the rarest terms are scored first (on every query term) until they are at
--     least `match_count`; the k-th best score θ is then a floor for the final k-th best;
--   - a chunk holding none of those terms scores at most the sum of the remaining terms' bounds.
--     Terms are added, rarest first, until the bound of those left is below θ; their chunks
--     are scored too, and chunks holding only the terms left are never read. The result is the
--     same top k, in the same order, as scoring every match (tested against 044's function).
--
-- Document frequencies are counted by a security definer function, because under row level
-- security Postgres won't use the index for `@@` (not leakproof; see 044). Its rule is the
-- policies' rule (002/003/040) and a test compares its counts with what row level security shows
-- each kind of reader. Chunks themselves are still read as the caller, so row level security
-- decides which take part. PL/pgSQL keeps each statement's plan for the session (PostgreSQL 15
-- re-plans a SQL function's body on every call: 3–4 ms here). Safe to run again.

create or replace function public.knowledge_text_term_counts(lexemes text[])
returns table (lexeme text, df bigint)
language sql
stable
security definer
set search_path = ''
as $$
  select l.lexeme,
    (select count(*)
     from public.knowledge_base as kb
     where kb.search_vector @@ public.lexeme_tsquery(l.lexeme)
       and (kb.visibility = 'public' or kb.author_id = (select auth.uid()) or (select public.is_admin_or_server())))
  from unnest(lexemes) as l(lexeme)
$$;

revoke execute on function public.knowledge_text_term_counts(text[]) from public;
grant execute on function public.knowledge_text_term_counts(text[]) to authenticated;

-- The BM25 score, on every query term, of the chunks holding one of `lexemes[first:last]` but none
-- of `lexemes[1:first - 1]` (already scored), read as the caller.
create or replace function public.knowledge_text_score(
  lexemes text[],
  idfs double precision[],
  first integer,
  last integer,
  filter_category uuid,
  k1 double precision,
  b double precision,
  avgdl double precision
)
returns table (id uuid, score double precision)
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_wanted tsquery := (select string_agg(public.lexeme_tsquery(l)::text, ' | ')::tsquery from unnest(lexemes[first:last]) as l);
  v_scored tsquery := (select string_agg(public.lexeme_tsquery(l)::text, ' | ')::tsquery from unnest(lexemes[1:first - 1]) as l);
begin
  return query
    select m.id,
      sum(w.idf * (t.tf * (k1 + 1)) / (t.tf + k1 * (1 - b + b * m.search_length / greatest(avgdl, 1))))
    from (
      select kb.id, kb.search_length,
        ts_filter(setweight(setweight(kb.search_vector, 'D'), 'A', lexemes), '{a}') as hits
      from public.knowledge_base as kb
      where kb.id in (select c.id from public.knowledge_text_candidates(v_wanted) as c)
        and kb.search_vector is not null
        and (v_scored is null or not kb.search_vector @@ v_scored)
        and (filter_category is null or kb.category_id = filter_category)
    ) as m
    cross join lateral (
      select h.lexeme, coalesce(array_length(h.positions, 1), 1)::double precision as tf from unnest(m.hits) as h
    ) as t
    join unnest(lexemes, idfs) as w(lexeme, idf) on w.lexeme = t.lexeme
    group by m.id;
end;
$$;

create or replace function public.knowledge_text_search(
  query_text text,
  match_count integer,
  filter_category uuid default null,
  k1 double precision default 0.9,
  b double precision default 0.4
)
returns table (id uuid, score double precision)
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_n double precision;
  v_avgdl double precision;
  v_lexemes text[];            -- the query's terms found in readable chunks, rarest first
  v_df bigint[];
  v_idf double precision[];
  v_terms integer;
  v_first integer := 1;        -- terms 1..v_first are scored in the first pass
  v_last integer;              -- and 1..v_last in all
  v_covered bigint;
  v_rest double precision;     -- highest score of a chunk holding only terms after v_last
  v_ids uuid[];
  v_scores double precision[];
  v_kth double precision;
begin
  if match_count is null or match_count <= 0 then
    return;
  end if;
  select coalesce(sum(c.chunks), 0), coalesce(sum(c.total_length)::double precision / nullif(sum(c.chunks), 0), 1)
    into v_n, v_avgdl
  from public.knowledge_text_corpus as c;
  select array_agg(t.lexeme order by t.df, t.lexeme), array_agg(t.df order by t.df, t.lexeme),
    array_agg(ln(1 + (v_n - t.df + 0.5) / (t.df + 0.5)) order by t.df, t.lexeme)
    into v_lexemes, v_df, v_idf
  from public.knowledge_text_term_counts(array(select distinct q.lexeme from unnest(to_tsvector('english'::regconfig, query_text)) as q)) as t
  where t.df > 0;
  v_terms := coalesce(array_length(v_lexemes, 1), 0);
  if v_terms = 0 then
    return;
  end if;

  -- First pass: the rarest terms whose chunks number at least match_count (fewer, with a category filter).
  v_covered := v_df[1];
  while v_first < v_terms and v_covered < match_count loop
    v_first := v_first + 1;
    v_covered := v_covered + v_df[v_first];
  end loop;
  select array_agg(s.id order by s.score desc, s.id), array_agg(s.score order by s.score desc, s.id)
    into v_ids, v_scores
  from public.knowledge_text_score(v_lexemes, v_idf, 1, v_first, filter_category, k1, b, v_avgdl) as s;
  v_kth := case when coalesce(array_length(v_ids, 1), 0) >= match_count then v_scores[match_count] else null end;

  -- Add terms until a chunk holding only the others can't beat the k-th score so far.
  v_last := v_first;
  v_rest := 0;
  for i in v_last + 1 .. v_terms loop
    v_rest := v_rest + greatest(v_idf[i], 0) * (k1 + 1);
  end loop;
  while v_last < v_terms and (v_kth is null or v_rest >= v_kth) loop
    v_last := v_last + 1;
    v_rest := v_rest - greatest(v_idf[v_last], 0) * (k1 + 1);
  end loop;

  return query
    select r.id, r.score
    from (
      select u.id, u.score from unnest(v_ids, v_scores) as u(id, score)
      union all
      select s.id, s.score
      from public.knowledge_text_score(v_lexemes, v_idf, v_first + 1, v_last, filter_category, k1, b, v_avgdl) as s
      where v_last > v_first
    ) as r
    order by r.score desc, r.id
    limit match_count;
end;
$$;

-- A search's candidates are read by primary key, one lookup each. Planned with the default guess
-- for a set-returning function (1,000 rows), the scoring statement above, once its plan is kept
-- for the session, read the whole table instead: 2 → 6.5 ms at 10k chunks on PGlite.
alter function public.knowledge_text_candidates(tsquery) rows 50;
