import { getConference } from '$lib/server/conferences';
import { resolveMember } from '$lib/server/members';
import { runtime } from '$lib/server/runtime';
import type { RequestHandler } from './$types';

/**
 * Server-sent events: a nudge whenever something about the conference changes (phase, door,
 * knock, people). It carries the phase and counts only; the page then reloads its data, which
 * access() filters. A member who lost their place gets `gone` and the stream ends.
 */
export const GET: RequestHandler = async ({ locals, params, request }) => {
	const first = await resolveMember(locals.identity, params.id);
	if (!first) return new Response('Not found', { status: 404, headers: { 'Cache-Control': 'no-store' } });
	const { liveStatus } = runtime();
	const encoder = new TextEncoder();
	let stop = () => {};
	const stream = new ReadableStream<Uint8Array>({
		start(controller) {
			const send = (event: string, data: unknown) => {
				try {
					controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
				} catch {
					stop();
				}
			};
			let pending: ReturnType<typeof setTimeout> | null = null;
			const push = () => {
				// Several changes in a burst become one nudge.
				if (pending) return;
				pending = setTimeout(async () => {
					pending = null;
					const member = await resolveMember(locals.identity, params.id).catch(() => null);
					if (!member) {
						// Erased (the conference itself is gone) or this member sent away.
						send('gone', { erased: (await getConference(params.id).catch(() => undefined)) === null });
						stop();
						return;
					}
					send('status', {
						phase: member.conference.phase,
						status: member.status,
						connectedFamily: liveStatus.connectedFamily(params.id)
					});
				}, 25);
			};
			const unlisten = liveStatus.listen(params.id, { participantId: first.participantId, role: first.role, push });
			const heartbeat = setInterval(() => send('ping', {}), 25_000);
			stop = () => {
				unlisten();
				clearInterval(heartbeat);
				if (pending) clearTimeout(pending);
				try {
					controller.close();
				} catch {
					/* already closed */
				}
			};
			request.signal.addEventListener('abort', () => stop());
			send('status', {
				phase: first.conference.phase,
				status: first.status,
				connectedFamily: liveStatus.connectedFamily(params.id)
			});
		},
		cancel() {
			stop();
		}
	});
	return new Response(stream, {
		headers: {
			'Content-Type': 'text/event-stream',
			'Cache-Control': 'no-store',
			Connection: 'keep-alive',
			'X-Accel-Buffering': 'no'
		}
	});
};
