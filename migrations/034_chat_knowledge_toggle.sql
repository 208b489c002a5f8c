-- 034 · Grounded chat: a per-chat switch for the knowledge base (null follows the user's
-- user_settings.use_knowledge_base, from 001).
alter table public.chat_sessions add column if not exists use_knowledge_base boolean;
