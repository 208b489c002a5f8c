-- 052 · The `hashed` embedder's vector weight in hybrid search: 0.2 → 0, as measured.
--
-- `npm run eval:kb` on the whole SciFact training split (809 claims) sweeps the weight for `hashed`:
-- 0 → 0.697 nDCG@10 (BM25 alone), 0.05 → 0.677, 0.1 → 0.663, 0.2 → 0.638, falling further above.
-- At 0.2 hybrid fell below its best part, which the fusion must never do. On the 30 user-guide
-- questions 0 scores 0.773 (BM25 alone 0.752, `hashed` alone 0.718; 0.2 scored 0.800), so the
-- guide keeps a gain over both parts. At 0 the vector side ranks the chunks only the vectors found
-- after every keyword match, as for USE-lite (048).
--
-- Only a weight still at its shipped value changes; one an administrator set stays. Safe to run again.

update public.knowledge_embedders set vector_weight = 0 where name = 'hashed' and vector_weight = 0.2;
