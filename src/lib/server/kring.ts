import type { DocumentName } from '$lib/conference/phases';
import { recordAudit, SYSTEM_ACTOR } from './audit';
import { Bus } from './bus';
import { CollabServer } from './collab/collab-server';
import type { CurrentAccess, Grant, PhaseAt, Refusal, UpgradeRequest } from './collab/hooks';
import { getConference } from './conferences';
import { config } from './config';
import { DocStore } from './doc-store';
import { describeError } from './errors';
import { LiveStatus } from './live-status';
import { conferenceStanding, documentAccess, placesHeld, resolveMember } from './members';
import { registry, type Runtime } from './registry';
import { readSessionCookie, validateSessionToken, type Identity } from './sessions';

/**
 * The composition root: builds this process's bus, document store, live status and collab
 * server once, hands the collab server the services it needs as hooks, and registers the lot.
 */
export function buildRuntime(): Runtime {
	const held = registry();
	if (held.runtime) return held.runtime;
	const settings = config();
	const bus = new Bus();
	const docStore = new DocStore();
	const collab = new CollabServer<Identity>({
		bus,
		store: docStore,
		// With ORIGIN set, only it may open a live connection; without it, the page's own host.
		allowedOrigins: settings.origin ? [settings.origin] : [],
		// A plan is text; a live message over this size is refused and its socket closed (code 1009).
		maxMessageBytes: settings.maxMessageBytes,
		// docs/design.md §5.2, "Limits"; what is held before a socket is settled stays at its defaults.
		limits: {
			socketsPerSession: settings.socketsPerSession,
			socketsPerRoom: settings.socketsPerRoom,
			messagesPerSecond: settings.socketMessagesPerSecond,
			bytesPerSecond: settings.socketBytesPerSecond
		},
		authorize: authorizeLiveConnection,
		currentAccess: currentLiveAccess,
		currentPhase,
		currentRights: placesHeld,
		leaseMs: settings.leaseMs,
		pingIntervalMs: settings.pingIntervalMs,
		roomGraceMs: settings.roomGraceMs,
		onRevocation: ({ conferenceId, closed }) => {
			recordAudit(conferenceId, SYSTEM_ACTOR, 'connection.revoked', `${closed}`).catch(() => {});
		},
		// Who took something away, and when; never what it said (docs/design.md §3).
		onRemoval: ({ conferenceId, documentName, by, kind }) => {
			const action =
				kind === 'binned'
					? 'plan.card_binned'
					: kind === 'restored'
						? 'plan.card_restored'
						: documentName === 'brief'
							? 'brief.item_deleted'
							: 'plan.item_deleted';
			// The boards reload their data, and with it the log, as they do for any other entry.
			recordAudit(conferenceId, by, action)
				.then(() => bus.publish({ type: 'status', conferenceId }))
				.catch(() => {});
		},
		log: (message, error) => console.error(message, describeError(error))
	});
	held.runtime = {
		bus,
		docStore,
		collab,
		liveStatus: new LiveStatus(bus, conferenceStanding, {
			// The family count is repeated on the lease's beat and forgotten when an instance stops repeating it.
			heartbeatMs: settings.leaseMs,
			log: (message, error) => console.error(message, describeError(error))
		}),
		ready: bus.connect(settings.redisUrl ?? undefined, settings.redisPrefix)
	};
	return held.runtime;
}

/**
 * Stops the live part of the process: every edit already received is stored, the sockets are
 * closed with 1012 (what they sent before the close is stored too), then the bus goes. The caller
 * has stopped new connections and closes the database afterwards.
 */
export async function closeRuntime(): Promise<void> {
	const held = registry();
	const current = held.runtime;
	if (!current) return;
	const deadline = Date.now() + config().shutdownDrainMs;
	await drainUntil(current.docStore, deadline);
	await current.collab.close();
	current.liveStatus.close();
	await drainUntil(current.docStore, deadline);
	reportUnstored(current.docStore);
	held.runtime = undefined;
	await current.bus.close();
	await held.workers?.close();
	held.workers = undefined;
}

async function drainUntil(docStore: DocStore, deadline: number): Promise<void> {
	let timer: ReturnType<typeof setTimeout> | undefined;
	await Promise.race([
		docStore.drained(),
		new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()))))
	]);
	clearTimeout(timer);
}

function reportUnstored(docStore: DocStore): void {
	const left = docStore.pendingCount();
	if (left > 0)
		console.error(
			`[kring] stopping with ${left} received edit(s) not stored: the database did not take them in time. ` +
				'The phones still hold them and send them again when they reconnect.'
		);
}

/** The session cookie says who; their place in the conference and access() say whether. */
async function authorizeLiveConnection(request: UpgradeRequest): Promise<Grant<Identity> | Refusal> {
	const token = readSessionCookie(request.cookie);
	const session = token ? await validateSessionToken(token) : null;
	if (!session) return { ok: false, status: 401 };
	const member = await resolveMember(session.identity, request.conferenceId);
	if (!member || documentAccess(member, request.documentName) === 'none') return { ok: false, status: 403 };
	return {
		ok: true,
		who: session.identity,
		sessionId: session.identity.sessionId,
		participantId: member.participantId,
		role: member.role,
		name: member.name,
		phase: member.conference.phase,
		version: member.conference.phaseVersion
	};
}

async function currentLiveAccess(
	identity: Identity,
	conferenceId: string,
	documentName: DocumentName
): Promise<CurrentAccess | null> {
	const member = await resolveMember(identity, conferenceId);
	if (!member) return null;
	return {
		access: documentAccess(member, documentName),
		phase: member.conference.phase,
		version: member.conference.phaseVersion
	};
}

async function currentPhase(conferenceId: string): Promise<PhaseAt | null> {
	const conference = await getConference(conferenceId);
	return conference ? { phase: conference.phase, version: conference.phaseVersion } : null;
}
