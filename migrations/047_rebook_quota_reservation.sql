-- 047 · Moving a reservation to a new size in one statement.
--
-- A chat answer with the knowledge base on is booked before retrieval (so a refused send spends
-- nothing on embedding its question), with its prompt as it would be without sources; once the
-- sources are in, the booking has to grow to the prompt as sent. rebook_quota_reservation() does
-- that atomically: it ends the old booking and books the new size through reserve_quota(),
-- checking every limit again but not counting the request a second time (the first booking did).
-- Refused, the old booking is gone too and the row says which limit refused, as reserve_quota's
-- does. One statement, so the step costs one round trip on the way to the first token.
--
-- The old booking is deleted before reserve_quota() takes the user's lock. Other sessions still
-- see it until this transaction commits, so no concurrent booking can be admitted into the room it
-- frees before the new one is written. Safe to run again.

create or replace function public.rebook_quota_reservation(
  p_reservation_id uuid,
  p_prompt_tokens bigint,
  p_max_output_tokens bigint,
  p_min_output_tokens bigint,
  p_input_price_per_1m numeric,
  p_output_price_per_1m numeric,
  p_ttl_seconds integer default 120
)
returns table (
  reservation_id uuid,
  granted_output_tokens bigint,
  refused_kind text,
  limit_value numeric,
  used numeric,
  reset_at timestamptz,
  warnings jsonb
)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_old public.quota_reservations%rowtype;
begin
  delete from public.quota_reservations as r
  where r.id = p_reservation_id and public.can_act_for(r.user_id)
  returning r.* into v_old;
  if v_old.id is null then
    raise exception 'rebook_quota_reservation: no such reservation' using errcode = 'no_data_found';
  end if;
  return query
    select q.reservation_id, q.granted_output_tokens, q.refused_kind, q.limit_value, q.used, q.reset_at, q.warnings
    from public.reserve_quota(v_old.user_id, v_old.endpoint, v_old.model, p_prompt_tokens, p_max_output_tokens,
      p_min_output_tokens, p_input_price_per_1m, p_output_price_per_1m, false, v_old.message_id, p_ttl_seconds) as q;
end;
$$;

revoke execute on function public.rebook_quota_reservation(uuid, bigint, bigint, bigint, numeric, numeric, integer) from public;
grant execute on function public.rebook_quota_reservation(uuid, bigint, bigint, bigint, numeric, numeric, integer) to authenticated;
