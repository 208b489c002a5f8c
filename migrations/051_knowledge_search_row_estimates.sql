-- 051 · The search functions return a page of results, and say so to the planner.
--
-- Without a ROWS estimate Postgres assumes a set-returning function yields 1,000 rows. The app
-- joins knowledge_hybrid_fuse's results to knowledge_base for the passages' text (one statement,
-- one round trip), and for 1,000 rows the planner read the whole table instead of looking up the
-- few ids: 9–17 ms instead of under 1 at 10k chunks on PGlite, on the way to a chat's first token
-- (found by `npm run bench:kb`). They return at most `match_count` rows: tens. Safe to run again.

alter function public.knowledge_hybrid_fuse(uuid[], double precision[], public.vector, text, integer, uuid, double precision, double precision, integer, integer) rows 20;
alter function public.knowledge_text_search(text, integer, uuid, double precision, double precision) rows 20;
alter function public.knowledge_vector_search(public.vector, text, integer, uuid) rows 20;
