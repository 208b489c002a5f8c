-- 023 · Administrators disable and re-enable accounts. auth.users is not granted to any API role
-- (001), so this one column is reached through a function that checks the caller is an admin.
-- Disabling ends the account's sessions at once (005's trigger); 022's guard refuses to disable
-- the last administrator.

create or replace function public.admin_set_user_disabled(p_user_id uuid, p_disabled boolean)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_previous boolean;
begin
  if not public.is_admin() then
    raise exception 'only administrators can disable accounts' using errcode = 'insufficient_privilege';
  end if;
  select u.is_disabled into v_previous from auth.users as u where u.id = p_user_id for update;
  if not found then
    raise exception 'no account %', p_user_id using errcode = 'no_data_found';
  end if;
  if v_previous is distinct from p_disabled then
    update auth.users set is_disabled = p_disabled, updated_at = now() where id = p_user_id;
  end if;
  -- The state before, for the caller's audit row.
  return v_previous;
end;
$$;

revoke all on function public.admin_set_user_disabled(uuid, boolean) from public;
grant execute on function public.admin_set_user_disabled(uuid, boolean) to authenticated;
