import { describe, expect, it } from 'vitest';
import { describeLimitChanges, type LimitValues } from '../../../src/lib/admin/describe-changes';

const free: LimitValues = { requestsPerMinute: 20, requestsPerDay: 200, tokensPerDay: 100_000, monthlyCostCapUsd: '1.000000', maxKnowledgeDocuments: 20, maxKnowledgeDocumentMb: 5, allowedModels: [] };

describe('the effect of a limits edit, in words', () => {
	it('says who drops or rises from what to what', () => {
		expect(describeLimitChanges('Free users', free, { ...free, requestsPerMinute: 10 })).toEqual(['Free users drop from 20 to 10 messages a minute.']);
		expect(describeLimitChanges('Free users', free, { ...free, tokensPerDay: 250_000, monthlyCostCapUsd: '2.5' })).toEqual([
			'Free users rise from 100,000 to 250,000 tokens a day.',
			'Free users rise from $1.00 to $2.50 monthly cost cap.'
		]);
	});

	it('names unlimited, new limits and model lists, and nothing when nothing changes', () => {
		expect(describeLimitChanges('Free users', free, { ...free, requestsPerDay: null })).toEqual(['Free users get unlimited messages a day (was 200).']);
		expect(describeLimitChanges('Pro users', { ...free, requestsPerDay: null }, free)).toEqual(['Pro users get a limit of 200 messages a day (was unlimited).']);
		expect(describeLimitChanges('Free users', free, { ...free, allowedModels: ['offline'] })).toEqual(['Free users may use only: offline.']);
		expect(describeLimitChanges('Free users', free, { ...free, monthlyCostCapUsd: '1' })).toEqual([]);
	});

	it('for an override, an emptied field goes back to the tier', () => {
		const override = { ...free, requestsPerMinute: 2 };
		expect(describeLimitChanges('Ada', override, { ...override, requestsPerMinute: null }, { word: 'the tier’s limit', isLimit: true })).toEqual([
			'Ada: messages a minute go back to the tier’s limit (was 2).'
		]);
	});
});
