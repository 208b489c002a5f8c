-- 045 · The full-text index takes new chunks straight into its tree (fastupdate off).
--
-- With GIN's default fast update, new entries wait in a pending list that every search reads in
-- full, until a vacuum merges it. Embedded PGlite has no autovacuum, so after an ingestion the list
-- held every new chunk: at 10k chunks one index probe read 2.6 MB and the planner, rightly, chose
-- a sequential scan instead (found by `npm run bench:kb`). Without the list an insert does its
-- index work at once (measured by the ingestion part of `npm run bench:kb`) and a search reads
-- only the index pages of its own terms. Safe to run again.

alter index public.knowledge_base_search_vector_idx set (fastupdate = off);
select gin_clean_pending_list('public.knowledge_base_search_vector_idx'::regclass);
