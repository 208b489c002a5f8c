-- 035 · The "Help" category, which holds AirAssist's own user guide (seeded by the app on first
-- start from docs/guide/*.md, as system documents everyone can read).
insert into public.categories (name, description, color)
values ('Help', 'How to use AirAssist: the shipped user guide.', '#0ea5e9')
on conflict (name) do nothing;
