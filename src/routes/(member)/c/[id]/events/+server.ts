import { resolveMember } from '$lib/server/members';
import { runtime } from '$lib/server/runtime';
import type { RequestHandler } from './$types';

/**
 * Server-sent events: a nudge whenever something about the conference changes (phase, door,
 * knock, people). It carries the phase and counts only; the page then reloads its data, which
 * access() filters. A device at the door hears only its own answer. A member who lost their
 * place gets `gone`, and the oldest stream of a session that opens a fifth gets `superseded`;
 * either ends the stream. What each stream is told is decided in live-status.ts.
 */
export const GET: RequestHandler = async ({ locals, params, request }) => {
	const first = await resolveMember(locals.identity, params.id);
	if (!first || !locals.identity || first.status === 'removed' || first.status === 'declined')
		return new Response('Not found', { status: 404, headers: { 'Cache-Control': 'no-store' } });
	const { liveStatus } = runtime();
	const { sessionId } = locals.identity;
	const status = first.status;
	const encoder = new TextEncoder();
	let stop = () => {};
	const stream = new ReadableStream<Uint8Array>({
		start(controller) {
			let open = true;
			const send = (event: string, data: unknown) => {
				if (!open) return;
				try {
					controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
				} catch {
					stop();
				}
			};
			let unlisten = () => {};
			const heartbeat = setInterval(() => send('ping', {}), 25_000);
			stop = () => {
				if (!open) return;
				open = false;
				unlisten();
				clearInterval(heartbeat);
				try {
					controller.close();
				} catch {
					/* already closed */
				}
			};
			request.signal.addEventListener('abort', () => stop());
			unlisten = liveStatus.listen(
				params.id,
				{ sessionId, participantId: first.participantId, role: first.role, status, send, close: () => stop() },
				{ phase: first.conference.phase }
			);
			if (request.signal.aborted) stop();
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
