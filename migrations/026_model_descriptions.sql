-- 026 · A short description of each model, written by the admin who configures it ("fast and
-- cheap, good for everyday questions"), shown next to the model's name when people pick one.

alter table public.model_configurations
  add column if not exists description text check (char_length(description) <= 2000);
