-- 022 · An instance always keeps at least one administrator who can sign in: demoting or
-- disabling the last enabled admin is refused, whoever asks (the console or the shell).
--
-- Race-safe: two admins demoting each other at the same moment each see the other still an
-- admin if they read concurrently. Every such change first takes one transaction-level advisory
-- lock, so they run one after the other, and the count (a fresh snapshot per statement under
-- read committed) sees the change that committed first.

create or replace function public.keep_one_admin()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_removes_admin boolean;
begin
  if tg_table_schema = 'public' and tg_table_name = 'profiles' then
    v_removes_admin := old.role = 'admin' and new.role <> 'admin'
      and not exists (select 1 from auth.users as u where u.id = new.id and u.is_disabled);
  else
    v_removes_admin := new.is_disabled and not old.is_disabled
      and exists (select 1 from public.profiles as p where p.id = new.id and p.role = 'admin');
  end if;
  if not v_removes_admin then
    return new;
  end if;
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('airassist:admins'));
  if not exists (
    select 1
    from public.profiles as p
    join auth.users as u on u.id = p.id
    where p.role = 'admin' and not u.is_disabled and p.id <> new.id
  ) then
    raise exception 'cannot remove the last administrator'
      using errcode = 'check_violation', hint = 'airassist:last_admin';
  end if;
  return new;
end;
$$;

revoke execute on function public.keep_one_admin() from public;

drop trigger if exists keep_one_admin on public.profiles;
create trigger keep_one_admin
  before update of role on public.profiles
  for each row execute function public.keep_one_admin();

drop trigger if exists keep_one_admin on auth.users;
create trigger keep_one_admin
  before update of is_disabled on auth.users
  for each row execute function public.keep_one_admin();
