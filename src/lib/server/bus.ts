import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { DocumentName, Phase } from '$lib/conference/phases';
import { describeError, describeErrorWithStack } from './errors';
import { generateId } from './ids';

/**
 * Messages between server instances. With REDIS_URL set they travel through Redis pub/sub;
 * without it they stay in this process. Either way every handler in this process sees every
 * message synchronously at publish time, so a single instance needs no round trip.
 *
 * Redis pub/sub delivers at most once: a message published while an instance's subscriber is
 * away is gone. So after every gap the bus knows of (its subscriber reconnected, or another
 * instance could not publish) it runs the resync handlers, which read the truth again from the
 * database, and holds the messages that arrive meanwhile until they have (docs/design.md §5.3).
 */
export type BusMessage =
	| { type: 'doc-update'; conferenceId: string; document: DocumentName; payload: Uint8Array }
	| { type: 'awareness'; conferenceId: string; document: DocumentName; payload: Uint8Array }
	| { type: 'awareness-query'; conferenceId: string; document: DocumentName }
	/** `version` is the conference's phase version from the database: news with a lower one is older. */
	| { type: 'phase'; conferenceId: string; phase: Phase; version: number }
	| { type: 'participant-removed'; conferenceId: string; participantId: string }
	| { type: 'session-ended'; sessionId: string }
	| { type: 'status'; conferenceId: string }
	| { type: 'presence'; conferenceId: string; participantIds: string[] };

export type Envelope = BusMessage & { origin: string };
export type BusHandler = (message: Envelope, local: boolean) => void;
/** Reads again from the database what a lost message may have changed; may take its time. */
export type ResyncHandler = () => void | Promise<void>;

/** Between instances only: "I could not publish everything; read your state again". */
type Wire = Envelope | { type: 'resync'; origin: string };

export class Bus {
	readonly instanceId = generateId();
	private handlers = new Set<BusHandler>();
	private resyncHandlers = new Set<ResyncHandler>();
	private publisher: import('ioredis').Redis | null = null;
	private subscriber: import('ioredis').Redis | null = null;
	private channel = 'kring:bus';
	/** Messages from other instances held while a resync reads the database; null: none running. */
	private held: Envelope[] | null = null;
	private resyncing: Promise<void> = Promise.resolve();
	/** A publish failed: the other instances missed something and are told so once Redis is back. */
	private lostOutgoing = false;

	/** `prefix` starts the channel's name (KRING_REDIS_PREFIX), so deployments sharing a Redis stay apart. */
	async connect(redisUrl: string | undefined, prefix = 'kring:'): Promise<void> {
		if (!redisUrl) return;
		const { Redis } = await import('ioredis');
		this.channel = `${prefix}bus`;
		// Messages published in one turn of the event loop leave in one write: an edit is an update and a
		// caret, and a commit releases many edits at once (a write each was a seventh of a busy instance's time).
		this.publisher = new Redis(redisUrl, { maxRetriesPerRequest: 3, enableAutoPipelining: true });
		// Resubscribed by hand, so that the resync starts only once messages flow again.
		this.subscriber = new Redis(redisUrl, { maxRetriesPerRequest: 3, autoResubscribe: false });
		this.subscriber.on('messageBuffer', (_channel: Buffer, data: Buffer) => {
			let message: Wire;
			try {
				message = decodeEnvelope(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
			} catch (error) {
				console.error('[bus] dropped an unreadable message', describeError(error));
				return;
			}
			if (message.origin === this.instanceId) return;
			if (message.type === 'resync') return this.resync();
			if (this.held) this.held.push(message);
			else this.deliver(message, false);
		});
		await this.subscriber.subscribe(this.channel);
		const subscriber = this.subscriber;
		subscriber.on('ready', () => {
			// Whatever was published while the subscriber was away is lost: hold what comes from now
			// on, subscribe again, and read the truth from the database before letting it through.
			this.held ??= [];
			subscriber.subscribe(this.channel).then(
				() => this.resync(),
				(error: Error) => console.error('[bus] could not subscribe again', describeError(error))
			);
		});
		this.publisher.on('ready', () => this.announceLoss());
	}

	get distributed(): boolean {
		return this.publisher !== null;
	}

	subscribe(handler: BusHandler): () => void {
		this.handlers.add(handler);
		return () => this.handlers.delete(handler);
	}

	/** `handler` runs after every gap in what this instance heard from the others (see above). */
	onResync(handler: ResyncHandler): () => void {
		this.resyncHandlers.add(handler);
		return () => this.resyncHandlers.delete(handler);
	}

	publish(message: BusMessage): void {
		const envelope: Envelope = { ...message, origin: this.instanceId };
		this.deliver(envelope, true);
		this.send(envelope);
	}

	private send(message: Wire): void {
		this.publisher?.publish(this.channel, Buffer.from(encodeEnvelope(message))).catch((error: Error) => {
			console.error('[bus] publish failed', describeError(error));
			this.lostOutgoing = true;
			if (this.publisher?.status === 'ready') this.announceLoss();
		});
	}

	/** After a failed publish, once Redis takes messages again: every other instance resyncs. */
	private announceLoss(): void {
		if (!this.lostOutgoing) return;
		this.lostOutgoing = false;
		this.send({ type: 'resync', origin: this.instanceId });
	}

	/**
	 * Runs every resync handler (one resync after another), then delivers the messages held
	 * meanwhile, in the order they came.
	 */
	private resync(): void {
		this.held ??= [];
		const run = this.resyncing.then(() => this.runResyncHandlers());
		this.resyncing = run;
		void run.then(() => {
			// A later resync (another gap) lets the messages through once it has read again.
			if (this.resyncing !== run) return;
			const held = this.held ?? [];
			this.held = null;
			for (const message of held) this.deliver(message, false);
		});
	}

	private async runResyncHandlers(): Promise<void> {
		await Promise.all(
			[...this.resyncHandlers].map(async (handler) => {
				try {
					await handler();
				} catch (error) {
					console.error('[bus] resync failed', describeErrorWithStack(error));
				}
			})
		);
	}

	private deliver(message: Envelope, local: boolean): void {
		for (const handler of this.handlers) {
			try {
				handler(message, local);
			} catch (error) {
				console.error('[bus] handler failed', describeErrorWithStack(error));
			}
		}
	}

	async close(): Promise<void> {
		await Promise.all([this.publisher?.quit(), this.subscriber?.quit()].filter(Boolean));
		this.publisher = this.subscriber = null;
	}
}

function encodeEnvelope(message: Wire): Uint8Array {
	const encoder = encoding.createEncoder();
	const { payload, ...header } = message as Wire & { payload?: Uint8Array };
	encoding.writeVarString(encoder, JSON.stringify(header));
	encoding.writeVarUint8Array(encoder, payload ?? new Uint8Array());
	return encoding.toUint8Array(encoder);
}

function decodeEnvelope(data: Uint8Array): Wire {
	const decoder = decoding.createDecoder(data);
	const header = JSON.parse(decoding.readVarString(decoder));
	const payload = decoding.readVarUint8Array(decoder);
	return (header.type === 'doc-update' || header.type === 'awareness' ? { ...header, payload } : header) as Wire;
}
