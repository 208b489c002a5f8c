-- 048 · USE-lite's vector weight in hybrid search: 0.05 → 0, as measured.
--
-- `npm run eval:kb` on the whole SciFact training split (809 claims) sweeps the weight: 0 → 0.697
-- nDCG@10, 0.05 → 0.689, 0.1 → 0.674, falling further above; on the 30 paraphrased user-guide
-- questions 0 and 0.05 tie (0.797; BM25 alone 0.752, USE-lite alone 0.724). So any positive weight
-- costs SciFact and buys nothing on the guide, and hybrid at 0.05 fell below its best part (BM25),
-- which the fusion must never do. At 0 the vector side still counts: fusion ranks every keyword
-- match first, in BM25's order, then the chunks only the vectors found, which is where USE-lite
-- helps (a paraphrase sharing no word with the passage: guide recall@10 0.900 → 1.000).
--
-- Only a weight still at its shipped value changes; one an administrator set stays. Safe to run again.

update public.knowledge_embedders set vector_weight = 0 where name = 'use-lite' and vector_weight = 0.05;
