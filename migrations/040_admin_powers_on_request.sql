-- 040 · Administrators act with admin powers only where the app asks for them.
--
-- The admin policies of 003, 007 and 008 (read every chat and message, manage every knowledge base
-- entry, read everyone's usage…) all ask is_admin(). It used to be true for every statement of an
-- administrator's request, and the personal procedures rely on row level security to scope rows to
-- their caller: an administrator's own chat list showed everybody's chats, and their chat pages,
-- exports and knowledge search reached other people's messages and private documents (found by
-- tests/integration/hostile-input.test.ts).
--
-- Now is_admin() also needs the transaction-local setting `app.admin_powers` = 'on', which only
-- withAdminPowers() (src/lib/server/db/user-context.ts) sets, for procedures behind
-- adminProcedure. Everywhere else an administrator is an ordinary user. is_admin_or_server(),
-- can_act_for() and the profile privilege trigger call is_admin() and follow. Safe to run again.

create or replace function public.is_admin()
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select current_setting('app.admin_powers', true) is not distinct from 'on'
    and coalesce((select p.role = 'admin' from public.profiles as p where p.id = auth.uid()), false)
$$;
