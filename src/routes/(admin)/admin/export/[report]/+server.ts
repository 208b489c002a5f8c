import { error } from '@sveltejs/kit';
import { ANALYTICS_RANGES, parseRange } from '$lib/schemas/admin-analytics';
import { csvExport, EXPORT_REPORTS } from '$lib/server/admin/export.service';
import { getDatabase } from '$lib/server/db';
import { csvResponse } from '$lib/server/http/csv';
import type { RequestHandler } from './$types';

/** GET /admin/export/<report>?range=7d — a streamed CSV. Layouts don't guard endpoints, so this checks itself. */
export const GET: RequestHandler = async ({ locals, params, url }) => {
	if (!locals.user) error(401, 'Sign in to download exports.');
	if (locals.user.role !== 'admin') error(403, 'Only administrators can download exports.');
	const report = EXPORT_REPORTS.find((name) => name === params.report);
	if (!report) error(404, `There is no export called “${params.report}”.`);
	const range = parseRange(url.searchParams.get('range'), ANALYTICS_RANGES, '30d');
	const { filename, header, rows } = csvExport(await getDatabase(), locals.user.id, report, range, Date.now());
	return csvResponse(filename, header, rows);
};
