-- 042 · Switching the knowledge base's embedder (re-embedding everything) is an admin change like
-- the others, audited with target type 'embedder'.
alter table public.admin_audit_log drop constraint if exists admin_audit_log_target_type_check;
alter table public.admin_audit_log add constraint admin_audit_log_target_type_check
  check (target_type in ('model', 'tier', 'user', 'category', 'document', 'embedder'));
