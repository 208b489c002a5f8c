-- 032 · Embedders: which model turns chunks and queries into vectors, and how much hybrid search
-- trusts it. Exactly one is active; while another is being built (re-embedding), search keeps
-- using the active one's vectors until the switch-over.
--
-- The fusion weights are measured, per embedder, on the SciFact training split (npm run eval:kb):
-- a weak embedder fused with equal weight drags BM25 down, so its weight is what the measurement
-- says it is worth.

create table if not exists public.knowledge_embedders (
  name text primary key,
  -- 'use-lite': Universal Sentence Encoder lite, shipped in the npm package, offline;
  -- 'hashed': feature-hashed bag of words, offline, no model at all;
  -- 'model': an embedding model from model_configurations (OpenAI or OpenAI-compatible).
  kind text not null check (kind in ('use-lite', 'hashed', 'model')),
  model_name text references public.model_configurations (model_name) on update cascade on delete restrict,
  dimensions integer not null check (dimensions between 1 and 1536),
  -- The embedder ignores input beyond this many tokens: chunks are cut to it before embedding.
  max_input_tokens integer not null check (max_input_tokens > 0),
  text_weight double precision not null default 1 check (text_weight >= 0),
  vector_weight double precision not null default 1 check (vector_weight >= 0),
  state text not null default 'inactive' check (state in ('active', 'building', 'inactive')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check ((kind = 'model') = (model_name is not null))
);

create unique index if not exists knowledge_embedders_one_active_idx on public.knowledge_embedders (state) where state = 'active';
create unique index if not exists knowledge_embedders_one_building_idx on public.knowledge_embedders (state) where state = 'building';

drop trigger if exists set_updated_at on public.knowledge_embedders;
create trigger set_updated_at
  before update on public.knowledge_embedders
  for each row execute function public.set_updated_at();

insert into public.knowledge_embedders (name, kind, model_name, dimensions, max_input_tokens, text_weight, vector_weight, state) values
  ('use-lite', 'use-lite', null, 512, 128, 1, 0.05, 'active'),
  ('hashed', 'hashed', null, 1536, 100000, 1, 0.2, 'inactive'),
  ('text-embedding-3-small', 'model', 'text-embedding-3-small', 1536, 8191, 1, 1, 'inactive')
on conflict (name) do nothing;

alter table public.knowledge_embedders enable row level security;

drop policy if exists "Signed-in users can read embedders" on public.knowledge_embedders;
create policy "Signed-in users can read embedders"
  on public.knowledge_embedders for select to authenticated
  using (true);

drop policy if exists "Admins can manage embedders" on public.knowledge_embedders;
create policy "Admins can manage embedders"
  on public.knowledge_embedders for all to authenticated
  using ((select public.is_admin()))
  with check ((select public.is_admin()));

grant select, insert, update, delete on public.knowledge_embedders to authenticated;
