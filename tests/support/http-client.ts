/**
 * What a browser does over HTTP, without the browser: a cookie jar, form actions with the Origin
 * header SvelteKit's CSRF check wants, the data a page loads (`__data.json`) and the live event
 * stream. Redirects are never followed and every answer is read whole, so a test sees every 303,
 * every Set-Cookie and every byte.
 */
import * as devalue from 'devalue';

export type ServerAddress = { url: string; origin: string };

/** A form action's answer, as SvelteKit's `enhance` receives it. */
export type ActionResult = {
	type: 'success' | 'failure' | 'redirect' | 'error';
	status: number;
	/** What the action returned (success) or passed to `fail()` (failure). */
	data?: Record<string, unknown>;
	location?: string;
	error?: unknown;
};

export type Reply = {
	status: number;
	headers: Headers;
	/** The body as received: byte-exact, for hashes. */
	body: Buffer;
	text: string;
	/** For form actions answered as JSON; absent when the answer was something else (e.g. a 403 page). */
	action?: ActionResult;
};

export type PageData<T> = {
	/** 200, the HTTP status, the status of a load that threw, or 303 for a redirect. */
	status: number;
	/** The data of every layout and the page that loaded, merged; empty when none did. */
	data: T;
	location?: string;
};

export type EventStream = {
	status: number;
	headers: Headers;
	text: string;
	events: { event: string; data: unknown }[];
	/** The server ended the stream (or it was closed here). */
	ended: boolean;
	close: () => void;
};

export class Browser {
	readonly jar = new Map<string, string>();

	constructor(
		readonly server: ServerAddress,
		readonly label = 'browser'
	) {}

	/** The Cookie header this browser sends, also on WebSocket upgrades. */
	cookieHeader(): string {
		return [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
	}

	get session(): string | undefined {
		return this.jar.get('kring_session');
	}

	/** The same person (the same cookies) talking to another instance of Kring. */
	on(server: ServerAddress, label = `${this.label} on another instance`): Browser {
		const twin = new Browser(server, label);
		for (const [name, value] of this.jar) twin.jar.set(name, value);
		return twin;
	}

	/** A second device holding the same cookies (a copied cookie). */
	clone(label = `${this.label} (copy)`): Browser {
		return this.on(this.server, label);
	}

	async request(
		path: string,
		init: { method?: string; headers?: Record<string, string>; body?: string } = {}
	): Promise<Reply> {
		const headers: Record<string, string> = {
			...(this.jar.size ? { cookie: this.cookieHeader() } : {}),
			...init.headers
		};
		const response = await fetch(this.server.url + path, {
			method: init.method ?? 'GET',
			headers,
			body: init.body,
			redirect: 'manual'
		});
		this.remember(response.headers);
		if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
			// A stream never ends by itself: read its first event, then hang up.
			const text = await readEvents(response, 1);
			return { status: response.status, headers: response.headers, body: Buffer.from(text), text };
		}
		const body = Buffer.from(await response.arrayBuffer());
		return { status: response.status, headers: response.headers, body, text: body.toString('utf8') };
	}

	get(path: string, headers: Record<string, string> = {}): Promise<Reply> {
		return this.request(path, { headers });
	}

	/** A plain HTML form submission, as a browser without JavaScript sends it: the answer is a page or a redirect. */
	form(path: string, fields: Record<string, string> = {}, headers: Record<string, string> = {}): Promise<Reply> {
		return this.request(path, {
			method: 'POST',
			headers: {
				origin: this.server.origin,
				accept: 'text/html',
				'content-type': 'application/x-www-form-urlencoded',
				...headers
			},
			body: new URLSearchParams(fields).toString()
		});
	}

	/**
	 * Submits a form action the way SvelteKit's `enhance` does. `name` is the action's name as the
	 * page exports it: `default` posts to the page itself, any other name to `?/name`.
	 */
	async action(
		path: string,
		name: string,
		fields: Record<string, string> = {},
		headers: Record<string, string> = {}
	): Promise<Reply> {
		const target = name === 'default' ? path : `${path}?/${name}`;
		const reply = await this.request(target, {
			method: 'POST',
			headers: {
				origin: this.server.origin,
				accept: 'application/json',
				'x-sveltekit-action': 'true',
				'content-type': 'application/x-www-form-urlencoded',
				...headers
			},
			body: new URLSearchParams(fields).toString()
		});
		let answer: { type?: ActionResult['type']; status?: number; data?: unknown; location?: string; error?: unknown };
		try {
			answer = JSON.parse(reply.text);
		} catch {
			return reply;
		}
		if (!answer.type) return reply;
		reply.action = {
			type: answer.type,
			status: answer.status ?? reply.status,
			data: typeof answer.data === 'string' ? devalue.parse(answer.data) : undefined,
			location: answer.location,
			error: answer.error
		};
		return reply;
	}

	/** The data a page's load functions return, read from its `__data.json`. */
	async pageData<T = Record<string, unknown>>(path: string): Promise<PageData<T>> {
		const reply = await this.get(`${path.replace(/\/$/, '')}/__data.json`);
		const merged: Record<string, unknown> = {};
		const answer = (status: number, location?: string): PageData<T> => ({
			status,
			data: merged as T,
			...(location ? { location } : {})
		});
		if (reply.status !== 200) return answer(reply.status);
		let body: {
			type: string;
			location?: string;
			status?: number;
			nodes?: ({ type: string; data?: unknown[]; status?: number } | null)[];
		};
		try {
			body = JSON.parse(reply.text);
		} catch {
			return answer(reply.status);
		}
		if (body.type === 'redirect') return answer(303, body.location);
		if (body.type !== 'data') return answer(body.status ?? 500);
		let status = 200;
		for (const node of body.nodes ?? []) {
			if (node?.type === 'data' && node.data) Object.assign(merged, devalue.unflatten(node.data));
			// A load function that threw: SvelteKit answers 200 with the error's status inside.
			if (node?.type === 'error') status = node.status ?? 500;
		}
		return answer(status);
	}

	/** Opens a server-sent event stream and keeps reading it until `close()` is called. */
	async events(path: string): Promise<EventStream> {
		const controller = new AbortController();
		const response = await fetch(this.server.url + path, {
			headers: { cookie: this.cookieHeader(), accept: 'text/event-stream' },
			signal: controller.signal
		});
		const stream: EventStream = {
			status: response.status,
			headers: response.headers,
			text: '',
			events: [],
			ended: false,
			close: () => controller.abort()
		};
		if (!response.body || !response.headers.get('content-type')?.startsWith('text/event-stream')) {
			stream.text = await response.text();
			stream.ended = true;
			return stream;
		}
		void (async () => {
			const reader = response.body!.getReader();
			const decoder = new TextDecoder();
			try {
				for (;;) {
					const { done, value } = await reader.read();
					if (done) break;
					stream.text += decoder.decode(value, { stream: true });
					stream.events = parseEvents(stream.text);
				}
			} catch {
				// Aborted by close().
			}
			stream.ended = true;
		})();
		return stream;
	}

	private remember(headers: Headers): void {
		for (const line of headers.getSetCookie()) {
			const [pair, ...attributes] = line.split(';');
			const at = pair.indexOf('=');
			const name = pair.slice(0, at).trim();
			const value = pair.slice(at + 1).trim();
			const expired = attributes.some((attribute) => {
				const [key, val = ''] = attribute.trim().split('=');
				if (key.toLowerCase() === 'max-age') return Number(val) <= 0;
				if (key.toLowerCase() === 'expires') return new Date(val).getTime() <= Date.now();
				return false;
			});
			if (expired || value === '') this.jar.delete(name);
			else this.jar.set(name, value);
		}
	}
}

/** The action's answer when it is of this type; otherwise throws with what the server said. */
export function expectAction(reply: Reply, type: ActionResult['type']): ActionResult {
	if (reply.action?.type !== type)
		throw new Error(`expected a ${type} answer, got HTTP ${reply.status}: ${reply.text.slice(0, 300)}`);
	return reply.action;
}

function parseEvents(text: string): { event: string; data: unknown }[] {
	return text
		.split('\n\n')
		.slice(0, -1)
		.map((block) => {
			const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
			const data = /^data: (.*)$/m.exec(block)?.[1] ?? 'null';
			return { event, data: JSON.parse(data) as unknown };
		});
}

async function readEvents(response: Response, count: number): Promise<string> {
	const reader = response.body!.getReader();
	const decoder = new TextDecoder();
	let text = '';
	while (parseEvents(text).length < count) {
		const { done, value } = await reader.read();
		if (done) break;
		text += decoder.decode(value, { stream: true });
	}
	await reader.cancel();
	return text;
}
