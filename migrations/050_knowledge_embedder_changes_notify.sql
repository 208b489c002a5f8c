-- 050 · Every app process keeps the active embedder (with its model configuration) in memory, so
-- a search or a grounded answer doesn't read it first: a round trip of 1–1.5 ms on the way to a
-- chat's first token. Any change to the embedders (the re-embedding switch, fusion weights) or to
-- the model configurations they name is announced on 'airassist_knowledge_embedders' at commit,
-- and each process drops its copy (src/lib/server/knowledge/active-embedder.ts). Triggers rather
-- than calls in the app, so a change made in SQL reaches every process too. Safe to run again.

create or replace function public.notify_knowledge_embedders_changed()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform pg_catalog.pg_notify('airassist_knowledge_embedders', '');
  return null;
end;
$$;

revoke execute on function public.notify_knowledge_embedders_changed() from public;

drop trigger if exists notify_knowledge_embedders on public.knowledge_embedders;
create trigger notify_knowledge_embedders
  after insert or update or delete on public.knowledge_embedders
  for each statement execute function public.notify_knowledge_embedders_changed();

drop trigger if exists notify_knowledge_embedders on public.model_configurations;
create trigger notify_knowledge_embedders
  after insert or update or delete on public.model_configurations
  for each statement execute function public.notify_knowledge_embedders_changed();
