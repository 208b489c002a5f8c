/**
 * Part 2 of `npm run bench:usage`: the admin dashboards' 30-day figures at 1M log rows, read from
 * the rollups (the app's own services) and computed from the raw log (the same figures in SQL).
 */
import { byModel, byTier, overview, recentErrors, timeseries, topUsers } from '../../src/lib/server/admin/analytics.service';
import { asUser, type Database } from '../../src/lib/server/db';
import { createUser } from '../../tests/support/fixtures';
import { percentile } from './stats';

export const SYNTHETIC_USERS = 1_000;
const BATCH_ROWS = 100_000;

/**
 * 1M rows over the last 30 days in batches of 100k, one INSERT … SELECT generate_series each.
 * The rollup trigger (027) folds each batch in with one grouped upsert per table, so the rollups
 * are maintained by the same code as in production; usage_analytics (kept by log_api_usage(),
 * which a bulk load bypasses) is filled from the same rows afterwards.
 * Shape: a few heavy users (quadratic skew), 5 models, 10 % title calls, 1.5 % errors,
 * 2 % quota refusals, latencies spread over two orders of magnitude.
 */
export async function loadSyntheticLogs(db: Database, rows: number): Promise<{ seconds: number; adminId: string }> {
	const started = performance.now();
	const admin = await createUser(db, 'bench-admin');
	await db.prisma.profile.update({ where: { id: admin.id }, data: { role: 'admin' } });
	await db.withSession(async (session) => {
		await session.query(
			`insert into auth.users (email) select 'synthetic-' || g || '@example.test' from generate_series(1, $1) as g`,
			[SYNTHETIC_USERS]
		);
		await session.query(
			`update public.profiles set tier = (array['free', 'free', 'free', 'basic', 'pro', 'enterprise']::public.user_tier[])[1 + abs(hashtext(email)) % 6]
			 where email like 'synthetic-%'`
		);
		for (let done = 0; done < rows; done += BATCH_ROWS) {
			await session.query(
				`with users as (select array_agg(id order by id) as ids from auth.users where email like 'synthetic-%'),
				draws as (
					select random() as a, random() as b, random() as c, random() as d, random() as e
					from generate_series(1, $1)
				),
				shaped as (
					select u.ids[1 + floor(power(d.a, 2) * cardinality(u.ids))::int] as user_id,
					       case when d.b < 0.55 then 'gpt-4o-mini' when d.b < 0.75 then 'gpt-4.1-mini' when d.b < 0.85 then 'gpt-4o'
					            when d.b < 0.9 then 'gpt-5' else 'text-embedding-3-small' end as model,
					       d.c, d.d, d.e
					from draws d cross join users u
				),
				calls as (
					select s.*, case when s.model = 'text-embedding-3-small' then 'embedding' when s.c < 0.1 then 'chat.title' else 'chat' end as endpoint,
					       case when s.d < 0.015 then 'error' when s.d < 0.02 then 'cancelled' when s.d < 0.04 then 'rate_limited' else 'success' end as status
					from shaped s
				),
				priced as (
					select c.*, mc.input_price_per_1m as pin, mc.output_price_per_1m as pout,
					       case when c.status = 'rate_limited' then 0 else 200 + floor(c.e * 3000)::int end as pt,
					       case when c.status = 'rate_limited' or c.endpoint = 'embedding' then 0 else 20 + floor(c.c * 1000)::int end as ct,
					       case when c.status = 'rate_limited' then null else floor(exp(4 + 4 * c.e + c.c))::int end as latency
					from calls c join public.model_configurations mc on mc.model_name = c.model
				)
				insert into public.api_usage_logs (user_id, endpoint, provider, model, prompt_tokens, completion_tokens, total_tokens, cost_usd,
				                                   latency_ms, time_to_first_token_ms, status, error_message, created_at)
				select user_id, endpoint, 'openai', model, pt, ct, pt + ct, round((pt * pin + ct * pout) / 1000000, 6),
				       latency, case when endpoint = 'chat' and latency is not null then floor(latency * (0.1 + 0.3 * d))::int end,
				       status, case when status = 'error' then 'The model server is unavailable right now.' end,
				       now() - random() * interval '30 days'
				from priced`,
				[Math.min(BATCH_ROWS, rows - done)]
			);
		}
		await session.query(
			`insert into public.usage_analytics (user_id, date, model, request_count, prompt_tokens, completion_tokens, total_tokens, cost_usd, total_latency_ms, error_count)
			 select user_id, (created_at at time zone 'utc')::date, model, count(*), sum(prompt_tokens), sum(completion_tokens), sum(total_tokens), sum(cost_usd),
			        coalesce(sum(latency_ms), 0), count(*) filter (where status = 'error')
			 from public.api_usage_logs group by 1, 2, 3`
		);
		// As autovacuum leaves a live database: statistics current, visibility map set.
		await session.query('vacuum analyze');
	});
	return { seconds: (performance.now() - started) / 1000, adminId: admin.id };
}

/** The rollups must still equal the log after the bulk load (else the timing below means nothing). */
export async function rollupsMatchLog(db: Database): Promise<boolean> {
	const [row] = await db.withSession((session) =>
		session.query<{ ok: boolean }>(
			`select (select count(*) from public.api_usage_logs) = (select sum(request_count) from public.usage_model_daily)
			    and (select count(*) from public.api_usage_logs) = (select sum(request_count) from public.usage_user_daily)
			    and (select sum(cost_usd) from public.api_usage_logs) = (select sum(cost_usd) from public.usage_model_hourly)
			    and (select count(*) from public.api_usage_logs) = (select sum(request_count) from public.usage_analytics) as ok`
		)
	);
	return row?.ok ?? false;
}

/** The same figures the dashboard shows, straight from api_usage_logs (what the rollups replace). */
const RAW_QUERIES: Record<string, string> = {
	overview: `
		select count(*), count(*) filter (where status = 'success'), count(*) filter (where status = 'error'),
		       count(*) filter (where status = 'cancelled'), count(*) filter (where status = 'rate_limited'),
		       sum(prompt_tokens), sum(completion_tokens), sum(total_tokens), sum(cost_usd),
		       percentile_cont(0.5) within group (order by latency_ms) filter (where endpoint = 'chat'),
		       percentile_cont(0.95) within group (order by latency_ms) filter (where endpoint = 'chat'),
		       percentile_cont(0.5) within group (order by time_to_first_token_ms) filter (where endpoint = 'chat'),
		       percentile_cont(0.95) within group (order by time_to_first_token_ms) filter (where endpoint = 'chat'),
		       count(distinct user_id), (select count(*) from public.profiles)
		from public.api_usage_logs where created_at >= $1`,
	timeseries: `
		with per_day as (
			select (created_at at time zone 'utc')::date as day, count(*) as requests, count(*) filter (where status = 'error') as errors,
			       sum(total_tokens) as tokens, sum(cost_usd) as cost, count(distinct user_id) as users,
			       percentile_cont(0.5) within group (order by latency_ms) filter (where endpoint = 'chat') as p50,
			       percentile_cont(0.95) within group (order by latency_ms) filter (where endpoint = 'chat') as p95,
			       percentile_cont(0.5) within group (order by time_to_first_token_ms) filter (where endpoint = 'chat') as t50,
			       percentile_cont(0.95) within group (order by time_to_first_token_ms) filter (where endpoint = 'chat') as t95
			from public.api_usage_logs where created_at >= $1 group by 1
		), per_model as (
			select (created_at at time zone 'utc')::date as day, model,
			       percentile_cont(0.5) within group (order by latency_ms), percentile_cont(0.95) within group (order by latency_ms),
			       percentile_cont(0.5) within group (order by time_to_first_token_ms), percentile_cont(0.95) within group (order by time_to_first_token_ms)
			from public.api_usage_logs where created_at >= $1 and endpoint in ('chat', 'embedding') group by 1, 2
		)
		select (select count(*) from per_day), (select count(*) from per_model)`,
	byModel: `
		select model, count(*), count(*) filter (where status = 'error'), sum(total_tokens), sum(cost_usd),
		       percentile_cont(0.5) within group (order by latency_ms) filter (where endpoint in ('chat', 'embedding')),
		       percentile_cont(0.95) within group (order by latency_ms) filter (where endpoint in ('chat', 'embedding')),
		       percentile_cont(0.5) within group (order by time_to_first_token_ms), percentile_cont(0.95) within group (order by time_to_first_token_ms)
		from public.api_usage_logs where created_at >= $1 group by model`,
	byTier: `
		select p.tier, count(distinct l.user_id), count(*), sum(l.total_tokens), sum(l.cost_usd)
		from public.api_usage_logs l join public.profiles p on p.id = l.user_id where l.created_at >= $1 group by p.tier`,
	topUsers: `
		with per_user as (
			select user_id, count(*) as requests, sum(total_tokens) as tokens, sum(cost_usd) as cost
			from public.api_usage_logs where created_at >= $1 group by user_id order by cost desc limit 10
		)
		select u.*, p.email, p.tier from per_user u join public.profiles p on p.id = u.user_id`
};

type Now = number;
const FROM_ROLLUPS: Record<string, (db: Database, adminId: string, now: Now) => Promise<unknown>> = {
	overview: (db, id, now) => overview(db, id, '30d', now),
	timeseries: (db, id, now) => timeseries(db, id, '30d', now),
	byModel: (db, id, now) => byModel(db, id, '30d', now),
	byTier: (db, id, now) => byTier(db, id, '30d', now),
	topUsers: (db, id, now) => topUsers(db, id, '30d', now),
	errors: (db, id, now) => recentErrors(db, id, '30d', now)
};

export interface QueryTiming {
	name: string;
	rollups: { p50: number; p95: number };
	raw: { p50: number; p95: number } | null;
}

async function time(runs: number, work: () => Promise<unknown>): Promise<{ p50: number; p95: number }> {
	await work(); // warm caches and plans
	const samples: number[] = [];
	for (let i = 0; i < runs; i++) {
		const started = performance.now();
		await work();
		samples.push(performance.now() - started);
	}
	return { p50: percentile(samples, 50), p95: percentile(samples, 95) };
}

/** Each dashboard query for the last 30 days: the app's path over the rollups, then the raw equivalent. */
export async function timeDashboard(db: Database, adminId: string, runs: { rollups: number; raw: number }): Promise<QueryTiming[]> {
	const now = Date.now();
	const from = new Date(now - 30 * 86_400_000);
	const timings: QueryTiming[] = [];
	for (const [name, read] of Object.entries(FROM_ROLLUPS)) {
		const rollups = await time(runs.rollups, () => read(db, adminId, now));
		const sql = RAW_QUERIES[name];
		const raw = sql ? await time(runs.raw, () => asUser(db, adminId, (tx) => tx.$queryRawUnsafe(sql, from))) : null;
		timings.push({ name, rollups, raw });
	}
	return timings;
}
