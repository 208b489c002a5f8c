import type { QuotaRefusal } from '$lib/usage/types';
import { describeWait } from '../errors';

const count = (value: number) => Math.round(value).toLocaleString('en-US');
/** "1 message", "10 messages" */
const counted = (value: number, unit: string) => `${count(value)} ${unit}${Math.round(value) === 1 ? '' : 's'}`;
const dollars = (value: number) => `$${value.toFixed(2)}`;

/** A refusal in words, saying which limit and when the user can go on. */
export function describeRefusal(refusal: QuotaRefusal): string {
	const wait = describeWait(refusal.retryAfterSeconds);
	switch (refusal.kind) {
		case 'requests_per_minute':
			return `You've used your ${counted(refusal.limit, 'message')} for this minute; try again in ${wait}.`;
		case 'requests_per_day':
			return `You've used your ${counted(refusal.limit, 'message')} for today; try again in ${wait}.`;
		case 'tokens_per_day':
			return `You've used today's ${counted(refusal.limit, 'token')} (${count(refusal.used)} spent or in use); more become available in ${wait}.`;
		case 'monthly_cost_usd':
			return `You've reached this month's ${dollars(refusal.limit)} spending limit; it resets in ${wait}.`;
		case 'knowledge_documents':
			return `You've reached your limit of ${counted(refusal.limit, 'knowledge base document')}; delete one to add another.`;
		case 'knowledge_document_mb':
			return `This document is ${refusal.used.toFixed(1)} MB; your plan accepts knowledge base documents up to ${count(refusal.limit)} MB.`;
	}
}
