import type { QuotaRefusal } from '$lib/usage/types';
import { describeWait } from '../errors';

const count = (value: number) => Math.round(value).toLocaleString('en-US');
const dollars = (value: number) => `$${value.toFixed(2)}`;

/** A refusal in words, saying which limit and when the user can go on. */
export function describeRefusal(refusal: QuotaRefusal): string {
	const wait = describeWait(refusal.retryAfterSeconds);
	switch (refusal.kind) {
		case 'requests_per_minute':
			return `You've used your ${count(refusal.limit)} messages for this minute; try again in ${wait}.`;
		case 'requests_per_day':
			return `You've used your ${count(refusal.limit)} messages for today; try again in ${wait}.`;
		case 'tokens_per_day':
			return `You've used today's ${count(refusal.limit)} tokens (${count(refusal.used)} spent or in use); more become available in ${wait}.`;
		case 'monthly_cost_usd':
			return `You've reached this month's ${dollars(refusal.limit)} spending limit; it resets in ${wait}.`;
		case 'knowledge_documents':
			return `You've reached your limit of ${count(refusal.limit)} knowledge base documents; delete one to add another.`;
	}
}
