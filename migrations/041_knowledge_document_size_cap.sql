-- 041 · Per-tier cap on one knowledge base document's size, in whole megabytes (MiB). Null means
-- no cap of its own (the server's upload limit still applies). A user override (007) replaces the
-- tier's value like every other limit. Defaults follow what each tier is for: free users try the
-- feature with ordinary documents (5 MB fits almost any text PDF or DOCX), paying tiers add
-- manuals and reports, enterprise long scanned-and-OCRed PDFs. Extraction and chunking of a
-- 50 MB PDF take seconds of one core and its text stays far below any chunk-count concern.

alter table public.tier_limits
  add column if not exists max_knowledge_document_mb integer check (max_knowledge_document_mb >= 0);
alter table public.user_limit_overrides
  add column if not exists max_knowledge_document_mb integer check (max_knowledge_document_mb >= 0);

update public.tier_limits set max_knowledge_document_mb = case tier
    when 'free' then 5
    when 'basic' then 10
    when 'pro' then 20
    when 'enterprise' then 50
  end
where max_knowledge_document_mb is null;

-- The merged value, beside effective_limits() (007) rather than in it: a new result column there
-- would need drop and create, and re-applying 007 (migrations are idempotent) would then fail.
create or replace function public.effective_knowledge_document_mb(p_user_id uuid)
returns integer
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_mb integer;
begin
  if not public.can_act_for(p_user_id) then
    raise exception 'not allowed to read limits of another user'
      using errcode = 'insufficient_privilege';
  end if;
  select coalesce(o.max_knowledge_document_mb, tl.max_knowledge_document_mb) into v_mb
  from public.profiles as p
  join public.tier_limits as tl on tl.tier = p.tier
  left join public.user_limit_overrides as o on o.user_id = p.id
  where p.id = p_user_id;
  return v_mb;
end;
$$;

revoke all on function public.effective_knowledge_document_mb(uuid) from public;
grant execute on function public.effective_knowledge_document_mb(uuid) to authenticated;
