-- 030 · Knowledge documents: the whole uploaded or pasted document, whose chunks are the
-- knowledge_base rows (031). Ingestion (extract → chunk → embed) runs as background jobs and
-- records its progress here, so the UI can show it and a restarted process can resume.
--
-- Visibility follows 002: a user's documents are private to them; only admins publish to
-- everyone. Documents without an owner are the app's own (the shipped user guide).

create table if not exists public.knowledge_documents (
  id uuid primary key default gen_random_uuid(),
  title text not null check (length(title) between 1 and 300),
  -- Where it came from: a file name, a URL, or null for pasted text.
  source text,
  format text not null check (format in ('text', 'markdown', 'html', 'pdf', 'docx')),
  -- Size of what was uploaded, in bytes (the tier's size cap is checked against it).
  size_bytes integer not null check (size_bytes >= 0),
  -- The extracted text (for a PDF, pages are separated by form feeds, \f), kept so the
  -- document can be re-chunked or re-embedded without the original file.
  content text not null,
  owner_id uuid references auth.users (id) on delete cascade,
  -- Who asked for the ingestion: the owner, or the admin who added a system document. Embedding
  -- calls are charged to them.
  created_by uuid references auth.users (id) on delete set null,
  visibility text not null default 'private' check (visibility in ('private', 'public')),
  category_id uuid references public.categories (id) on delete set null,
  -- pending → chunking → embedding → ready, or error. Chunks become searchable by keyword when
  -- chunking commits (all at once) and by meaning as embedding fills them in.
  status text not null default 'pending' check (status in ('pending', 'chunking', 'embedding', 'ready', 'error')),
  -- Why it failed, in words a person can act on.
  error text,
  chunk_count integer not null default 0 check (chunk_count >= 0),
  embedded_count integer not null default 0 check (embedded_count >= 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create index if not exists knowledge_documents_owner_id_idx on public.knowledge_documents (owner_id, created_at desc);
create index if not exists knowledge_documents_status_idx on public.knowledge_documents (status) where status in ('pending', 'chunking', 'embedding');

drop trigger if exists set_updated_at on public.knowledge_documents;
create trigger set_updated_at
  before update on public.knowledge_documents
  for each row execute function public.set_updated_at();

alter table public.knowledge_documents enable row level security;

drop policy if exists "Users can read published documents and their own" on public.knowledge_documents;
create policy "Users can read published documents and their own"
  on public.knowledge_documents for select to authenticated
  using (visibility = 'public' or owner_id = (select auth.uid()) or (select public.is_admin()));

-- Publishing is for admins: a user's own documents stay private.
drop policy if exists "Users can add private documents of their own" on public.knowledge_documents;
create policy "Users can add private documents of their own"
  on public.knowledge_documents for insert to authenticated
  with check ((owner_id = (select auth.uid()) and visibility = 'private') or (select public.is_admin()));

drop policy if exists "Users can update their own private documents" on public.knowledge_documents;
create policy "Users can update their own private documents"
  on public.knowledge_documents for update to authenticated
  using (owner_id = (select auth.uid()) or (select public.is_admin()))
  with check ((owner_id = (select auth.uid()) and visibility = 'private') or (select public.is_admin()));

drop policy if exists "Users can delete their own documents" on public.knowledge_documents;
create policy "Users can delete their own documents"
  on public.knowledge_documents for delete to authenticated
  using (owner_id = (select auth.uid()) or (select public.is_admin()));

grant select, insert, update, delete on public.knowledge_documents to authenticated;
