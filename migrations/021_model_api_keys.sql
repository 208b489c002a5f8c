-- 021 · A model's own API key, for OpenAI-compatible servers that need one (vLLM with --api-key,
-- a hosted gateway). Stored encrypted with AES-256-GCM under MODEL_KEYS_SECRET, which only the
-- app's environment holds: a copy of the database (a backup, a dump) does not reveal the keys.
-- The app never sends the value to a browser; the admin console shows only whether it is set.
--
-- Format (written by src/lib/server/ai/secret-box.ts): 'v1:<key id>:<iv>:<tag>:<ciphertext>',
-- base64url parts; the key id tells a wrong MODEL_KEYS_SECRET apart from a damaged value.

alter table public.model_configurations
  add column if not exists api_key_ciphertext text
    check (api_key_ciphertext is null or api_key_ciphertext ~ '^v1:[0-9a-f]{8}:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$');
