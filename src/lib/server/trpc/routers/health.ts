import { z } from 'zod';
import { checkHealth } from '../../health/health.service';
import { publicProcedure } from '../procedures';
import { router } from '../init';

export const ticksInput = z.object({
	count: z.number().int().min(1).max(1000).default(5),
	intervalMs: z.number().int().min(10).max(10_000).default(1000)
});

export const healthRouter = router({
	/** The same facts as GET /healthz. */
	check: publicProcedure.query(({ ctx }) => checkHealth(async () => ctx.db)),

	/**
	 * Streams `count` numbered ticks over SSE. It proves (and lets monitors probe) that streaming
	 * passes through every proxy layer unbuffered: each tick carries the server's send time.
	 */
	ticks: publicProcedure.input(ticksInput).subscription(async function* ({ input, signal }) {
		for (let n = 1; n <= input.count; n++) {
			if (n > 1) await sleep(input.intervalMs, signal);
			if (signal?.aborted) return;
			yield { n, sentAt: Date.now() };
		}
	})
});

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
	return new Promise((resolve) => {
		const timer = setTimeout(done, ms);
		signal?.addEventListener('abort', done, { once: true });
		function done() {
			clearTimeout(timer);
			signal?.removeEventListener('abort', done);
			resolve();
		}
	});
}
