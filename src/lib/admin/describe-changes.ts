/**
 * The effect of a limits edit in words, shown before saving ("Free users drop from 20 to 10
 * messages a minute"), for a tier's limits and for one user's overrides alike.
 */

export interface LimitValues {
	requestsPerMinute: number | null;
	requestsPerDay: number | null;
	tokensPerDay: number | null;
	/** US dollars as a decimal string. */
	monthlyCostCapUsd: string | null;
	maxKnowledgeDocuments: number | null;
	maxKnowledgeDocumentMb: number | null;
	allowedModels: readonly string[];
}

const NUMERIC_LIMITS = [
	['requestsPerMinute', 'messages a minute'],
	['requestsPerDay', 'messages a day'],
	['tokensPerDay', 'tokens a day'],
	['monthlyCostCapUsd', 'monthly cost cap'],
	['maxKnowledgeDocuments', 'knowledge base documents'],
	['maxKnowledgeDocumentMb', 'largest document (MB)']
] as const;

function amount(key: (typeof NUMERIC_LIMITS)[number][0], value: number | string): string {
	if (key === 'monthlyCostCapUsd') return `$${Number(value).toFixed(2)}`;
	return Number(value).toLocaleString('en-US');
}

/**
 * `who` is the subject ("Free users", "Ada"); `unset` is what a null means: 'unlimited' for a
 * tier, 'the tier's limit' for an override.
 */
export function describeLimitChanges(who: string, before: LimitValues, after: LimitValues, unset: { word: string; isLimit: boolean } = { word: 'unlimited', isLimit: false }): string[] {
	const lines: string[] = [];
	for (const [key, label] of NUMERIC_LIMITS) {
		const from = before[key];
		const to = after[key];
		if ((from === null ? null : Number(from)) === (to === null ? null : Number(to))) continue;
		if (to === null) {
			lines.push(unset.isLimit ? `${who}: ${label} go back to ${unset.word} (was ${amount(key, from ?? 0)}).` : `${who} get unlimited ${label} (was ${amount(key, from ?? 0)}).`);
		} else if (from === null) {
			lines.push(`${who} get a limit of ${amount(key, to)} ${label} (was ${unset.word}).`);
		} else {
			lines.push(`${who} ${Number(to) < Number(from) ? 'drop' : 'rise'} from ${amount(key, from)} to ${amount(key, to)} ${label}.`);
		}
	}
	const fromModels = [...before.allowedModels].sort();
	const toModels = [...after.allowedModels].sort();
	if (fromModels.join('\n') !== toModels.join('\n')) {
		if (toModels.length === 0) lines.push(`${who} may use every chat model that allows their tier.`);
		else lines.push(`${who} may use only: ${toModels.join(', ')}${fromModels.length ? ` (was ${fromModels.join(', ')})` : ''}.`);
	}
	return lines;
}
