-- 011 · Per-process figures, one row per app process per UTC minute, so that one sampler can
-- report cluster-wide request and error rates, live streams and each process's memory.
--
-- Each process adds its own counts every few seconds (an upsert on its own row: processes never
-- contend); the metrics sampler, which runs once per cluster, sums the previous minute's rows into
-- system_metrics and deletes rows older than a day. Safe to run again.

create table if not exists public.instance_minute_stats (
  -- Start of the UTC minute the figures belong to.
  minute timestamptz not null,
  -- Random per process start (hostname:pid:random), so a restarted process is a new instance.
  instance_id text not null,
  requests integer not null default 0 check (requests >= 0),
  -- Responses with status 500 and above, or requests that threw.
  errors integer not null default 0 check (errors >= 0),
  -- The most answers this process was streaming at once during the minute.
  peak_streams integer not null default 0 check (peak_streams >= 0),
  -- The process's peak memory and its worst event-loop delay (p99) in the minute.
  rss_bytes bigint not null default 0 check (rss_bytes >= 0),
  heap_used_bytes bigint not null default 0 check (heap_used_bytes >= 0),
  event_loop_delay_p99_ms double precision not null default 0 check (event_loop_delay_p99_ms >= 0),
  updated_at timestamptz not null default now(),
  primary key (minute, instance_id)
);

-- Internal bookkeeping written by the app as owner: no policies, so request roles see nothing.
alter table public.instance_minute_stats enable row level security;
