/**
 * bench:chat section 4: the answer pipeline's steps before the upstream request, timed in-process
 * on each engine. The governed path's cost on time to first token is the reserve step (one
 * transaction calling reserve_quota), since the upstream request starts as soon as it commits.
 */
import type { ProviderOptions } from '../src/lib/server/ai/provider-registry';
import { asUser } from '../src/lib/server/db';
import { buildAnswerPrompt } from '../src/lib/server/chat/answer/build-prompt';
import { prepareSend } from '../src/lib/server/chat/answer/prepare';
import { reserveAnswer } from '../src/lib/server/chat/answer/reserve';
import { startRetrieval } from '../src/lib/server/chat/answer/retrieve';
import { createServices, providerLookup } from '../src/lib/server/services';
import { settleCall } from '../src/lib/server/usage/governed-call';
import { createUser } from '../tests/support/fixtures';
import { benchEngines } from './support/engines';
import { median, percentile } from './support/stats';

const RUNS = 200;
const FAST: ProviderOptions = { offlineChunkDelayMs: 0 };

export async function benchGovernance(): Promise<void> {
	const services = createServices({ providers: providerLookup(FAST) });
	const available = await benchEngines();
	console.log(`\n4. The governed path before the upstream request, per send (${RUNS} sends, in-process, gpt-4o-mini prices)`);
	console.log('   engine              prepare median   retrieve+prompt   reserve (governance) median / p95');
	for (const [label, open] of [
		['PGlite', available.pglite],
		['native PostgreSQL', available.native]
	] as const) {
		if (!open) {
			console.log(`   ${label.padEnd(20)}skipped (no server reachable)`);
			continue;
		}
		const { db, dispose } = await open({ migrated: true });
		try {
			await createUser(db, 'site-admin');
			const user = await createUser(db, 'bench');
			await db.prisma.profile.update({ where: { id: user.id }, data: { tier: 'enterprise' } });
			const deps = { db, services };
			const prepare: number[] = [];
			const middle: number[] = [];
			const reserve: number[] = [];
			for (let i = 0; i < RUNS + 20; i++) {
				const t0 = performance.now();
				const prepared = await prepareSend(deps, user.id, { content: `question ${i}`, model: 'gpt-4o-mini' });
				const t1 = performance.now();
				const step = await startRetrieval(deps, prepared);
				const retrieval = step.done ? step.retrieval : await step.finish();
				const prompt = buildAnswerPrompt(prepared, retrieval.context);
				const t2 = performance.now();
				const reservation = await reserveAnswer(deps, prepared, prompt);
				const t3 = performance.now();
				await retrieval.settleEmbedding();
				await asUser(db, user.id, (tx) => settleCall(deps, tx, reservation, { status: 'success', usage: { promptTokens: prompt.promptTokens, completionTokens: 10 }, latencyMs: 1, timeToFirstTokenMs: 1, errorMessage: null }));
				if (i < 20) continue; // warm-up
				prepare.push(t1 - t0);
				middle.push(t2 - t1);
				reserve.push(t3 - t2);
			}
			const f = (value: number) => `${value.toFixed(2)} ms`;
			console.log(`   ${label.padEnd(20)}${f(median(prepare)).padStart(14)}   ${f(median(middle)).padStart(15)}   ${f(median(reserve))} / ${f(percentile(reserve, 95))}   target ≤ 2 ms median`);
		} finally {
			await dispose();
		}
	}
}
