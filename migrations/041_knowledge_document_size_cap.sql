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

-- effective_limits gains the merged column (a new result column needs drop and create).
drop function if exists public.effective_limits(uuid);
create function public.effective_limits(p_user_id uuid)
returns table (
  tier public.user_tier,
  requests_per_minute integer,
  requests_per_day integer,
  tokens_per_day bigint,
  monthly_cost_cap_usd numeric,
  max_knowledge_documents integer,
  allowed_models text[],
  overridden text[],
  max_knowledge_document_mb integer
)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if not public.can_act_for(p_user_id) then
    raise exception 'not allowed to read limits of another user'
      using errcode = 'insufficient_privilege';
  end if;
  return query
  select
    p.tier,
    coalesce(o.requests_per_minute, tl.requests_per_minute),
    coalesce(o.requests_per_day, tl.requests_per_day),
    coalesce(o.tokens_per_day, tl.tokens_per_day),
    coalesce(o.monthly_cost_cap_usd, tl.monthly_cost_cap_usd),
    coalesce(o.max_knowledge_documents, tl.max_knowledge_documents),
    case when coalesce(cardinality(o.allowed_models), 0) > 0 then o.allowed_models else tl.allowed_models end,
    array_remove(array[
      case when o.requests_per_minute is not null then 'requests_per_minute' end,
      case when o.requests_per_day is not null then 'requests_per_day' end,
      case when o.tokens_per_day is not null then 'tokens_per_day' end,
      case when o.monthly_cost_cap_usd is not null then 'monthly_cost_usd' end,
      case when o.max_knowledge_documents is not null then 'knowledge_documents' end,
      case when coalesce(cardinality(o.allowed_models), 0) > 0 then 'allowed_models' end,
      case when o.max_knowledge_document_mb is not null then 'knowledge_document_mb' end
    ], null),
    coalesce(o.max_knowledge_document_mb, tl.max_knowledge_document_mb)
  from public.profiles as p
  join public.tier_limits as tl on tl.tier = p.tier
  left join public.user_limit_overrides as o on o.user_id = p.id
  where p.id = p_user_id;
  if not found then
    raise exception 'no tier limits for user %', p_user_id using errcode = 'no_data_found';
  end if;
end;
$$;

revoke all on function public.effective_limits(uuid) from public;
grant execute on function public.effective_limits(uuid) to authenticated;
