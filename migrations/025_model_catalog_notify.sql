-- 025 · Every app process keeps a short cache of which chat models each user may pick. When the
-- answer changes — a model edited, a tier's limits, a user's tier or limit overrides — these
-- triggers send a notification on the channel 'airassist_model_catalog', and each process drops
-- the affected entries (src/lib/server/chat/model-catalog-events.ts). NOTIFY is delivered at
-- commit, so a process never reloads before the change is visible, and a rolled-back change
-- sends nothing. The payload is a user id, or '*' for everyone.
--
-- Triggers rather than calls in the app: a change made from the shell or in SQL reaches the
-- model pickers too.

create or replace function public.notify_model_catalog_changed()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform pg_catalog.pg_notify('airassist_model_catalog', '*');
  return null;
end;
$$;

create or replace function public.notify_user_models_changed()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_table_name = 'profiles' then
    perform pg_catalog.pg_notify('airassist_model_catalog', new.id::text);
  elsif tg_op = 'DELETE' then
    perform pg_catalog.pg_notify('airassist_model_catalog', old.user_id::text);
  else
    perform pg_catalog.pg_notify('airassist_model_catalog', new.user_id::text);
  end if;
  return null;
end;
$$;

revoke execute on function public.notify_model_catalog_changed() from public;
revoke execute on function public.notify_user_models_changed() from public;

drop trigger if exists notify_model_catalog on public.model_configurations;
create trigger notify_model_catalog
  after insert or update or delete on public.model_configurations
  for each statement execute function public.notify_model_catalog_changed();

drop trigger if exists notify_model_catalog on public.tier_limits;
create trigger notify_model_catalog
  after insert or update or delete on public.tier_limits
  for each statement execute function public.notify_model_catalog_changed();

drop trigger if exists notify_user_models on public.profiles;
create trigger notify_user_models
  after update of tier on public.profiles
  for each row when (old.tier is distinct from new.tier)
  execute function public.notify_user_models_changed();

drop trigger if exists notify_user_models on public.user_limit_overrides;
create trigger notify_user_models
  after insert or update or delete on public.user_limit_overrides
  for each row execute function public.notify_user_models_changed();
