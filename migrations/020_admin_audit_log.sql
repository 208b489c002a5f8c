-- 020 · The admin audit log: one row per change an administrator makes (models, tiers, users,
-- limit overrides, and later categories and published documents), written in the same
-- transaction as the change, so a change that rolls back leaves no row and a row always means
-- the change happened.
--
-- Append-only for the app's roles: they may insert (as themselves) and read, never update or
-- delete. There is no update or delete policy and no such grant; the table owner (migrations,
-- the shell's `npm run admin`) is the only one who could, and does not.

create table if not exists public.admin_audit_log (
  id bigint generated always as identity primary key,
  -- Who: kept as an id and as the email at the time, so the row still says who after the
  -- account is deleted (the id then becomes null).
  actor_id uuid references auth.users (id) on delete set null,
  actor_email text not null,
  -- What: a stable dotted name such as 'model.update' or 'user.update'.
  action text not null check (action ~ '^[a-z_]+\.[a-z_]+$'),
  -- Target: its kind, its id (a uuid, a tier name, a model id) and a label for people.
  target_type text not null check (target_type in ('model', 'tier', 'user', 'category', 'document')),
  target_id text not null,
  target_label text,
  -- The target's fields before and after (null before a creation and after a deletion). Secrets
  -- are never stored here, only whether they were set.
  before jsonb,
  after jsonb,
  -- From where.
  ip_address inet,
  user_agent text,
  request_id text,
  created_at timestamptz not null default now()
);

-- /admin/audit lists newest first, filtered by target, actor or action.
create index if not exists admin_audit_log_created_idx on public.admin_audit_log (created_at desc, id desc);
create index if not exists admin_audit_log_target_idx on public.admin_audit_log (target_type, target_id, created_at desc);
create index if not exists admin_audit_log_actor_idx on public.admin_audit_log (actor_id, created_at desc);

alter table public.admin_audit_log enable row level security;

drop policy if exists "Admins can read the audit log" on public.admin_audit_log;
create policy "Admins can read the audit log"
  on public.admin_audit_log for select to authenticated
  using ((select public.is_admin()));

-- An admin records their own changes only: the actor is whoever is signed in.
drop policy if exists "Admins can record their own changes" on public.admin_audit_log;
create policy "Admins can record their own changes"
  on public.admin_audit_log for insert to authenticated
  with check ((select public.is_admin()) and actor_id = (select auth.uid()));

revoke all on public.admin_audit_log from anon, authenticated, service_role, public;
grant select, insert on public.admin_audit_log to authenticated;
