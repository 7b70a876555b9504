import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { DocumentName, Phase } from '$lib/conference/phases';
import { describeError, describeErrorWithStack } from './errors';
import { generateId } from './ids';

/**
 * Messages between server instances. With REDIS_URL set they travel through Redis pub/sub;
 * without it they stay in this process. Either way every handler in this process sees every
 * message synchronously at publish time, so a single instance needs no round trip.
 */
export type BusMessage =
	| { type: 'doc-update'; conferenceId: string; document: DocumentName; payload: Uint8Array }
	| { type: 'awareness'; conferenceId: string; document: DocumentName; payload: Uint8Array }
	| { type: 'awareness-query'; conferenceId: string; document: DocumentName }
	| { type: 'phase'; conferenceId: string; phase: Phase; changedAt: number }
	| { type: 'participant-removed'; conferenceId: string; participantId: string }
	| { type: 'session-ended'; sessionId: string }
	| { type: 'status'; conferenceId: string }
	| { type: 'presence'; conferenceId: string; participantIds: string[] };

export type Envelope = BusMessage & { origin: string };
export type BusHandler = (message: Envelope, local: boolean) => void;

const CHANNEL = 'kring:bus';

export class Bus {
	readonly instanceId = generateId();
	private handlers = new Set<BusHandler>();
	private publisher: import('ioredis').Redis | null = null;
	private subscriber: import('ioredis').Redis | null = null;

	async connect(redisUrl: string | undefined): Promise<void> {
		if (!redisUrl) return;
		const { Redis } = await import('ioredis');
		this.publisher = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
		this.subscriber = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
		this.subscriber.on('messageBuffer', (_channel: Buffer, data: Buffer) => {
			let message: Envelope;
			try {
				message = decodeEnvelope(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
			} catch (error) {
				console.error('[bus] dropped an unreadable message', describeError(error));
				return;
			}
			if (message.origin === this.instanceId) return;
			this.deliver(message, false);
		});
		await this.subscriber.subscribe(CHANNEL);
	}

	get distributed(): boolean {
		return this.publisher !== null;
	}

	subscribe(handler: BusHandler): () => void {
		this.handlers.add(handler);
		return () => this.handlers.delete(handler);
	}

	publish(message: BusMessage): void {
		const envelope: Envelope = { ...message, origin: this.instanceId };
		this.deliver(envelope, true);
		if (this.publisher) {
			this.publisher.publish(CHANNEL, Buffer.from(encodeEnvelope(envelope))).catch((error: Error) => {
				console.error('[bus] publish failed', describeError(error));
			});
		}
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

function encodeEnvelope(message: Envelope): Uint8Array {
	const encoder = encoding.createEncoder();
	const { payload, ...header } = message as Envelope & { payload?: Uint8Array };
	encoding.writeVarString(encoder, JSON.stringify(header));
	encoding.writeVarUint8Array(encoder, payload ?? new Uint8Array());
	return encoding.toUint8Array(encoder);
}

function decodeEnvelope(data: Uint8Array): Envelope {
	const decoder = decoding.createDecoder(data);
	const header = JSON.parse(decoding.readVarString(decoder));
	const payload = decoding.readVarUint8Array(decoder);
	return (header.type === 'doc-update' || header.type === 'awareness' ? { ...header, payload } : header) as Envelope;
}
