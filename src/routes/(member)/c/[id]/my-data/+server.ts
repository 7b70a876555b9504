import { error } from '@sveltejs/kit';
import { memberCan, requireMember } from '$lib/server/members';
import { exportMyData } from '$lib/server/my-data';
import type { RequestHandler } from './$types';

/** Everything Kring holds about this conference, for the family to keep; staff get nothing here. */
export const GET: RequestHandler = async ({ locals, params }) => {
	const member = await requireMember(locals, params.id);
	if (!memberCan(member, 'download_my_data')) error(403, { message: 'not_allowed', code: 'not_allowed' });
	const data = await exportMyData(member, locals.locale);
	const day = data.downloadedAt.slice(0, 10);
	return new Response(JSON.stringify(data, null, 2), {
		headers: {
			'Content-Type': 'application/json; charset=utf-8',
			'Content-Disposition': `attachment; filename="kring-${day}.json"`,
			'Cache-Control': 'no-store'
		}
	});
};
