import { sha256 } from '@oslojs/crypto/sha2';
import { encodeHexLowerCase } from '@oslojs/encoding';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
	agreementsOf,
	canonicalJson,
	createAgreement,
	escapeHtml,
	fragmentToHtml,
	readBrief,
	readPlan,
	type FrozenPlan
} from './shape';

/**
 * The plan's rich text is rendered as HTML on the print page, the big screen and in the export:
 * whatever anyone (or any hand-made client) wrote into the shared document must come out as text
 * in a fixed set of bare tags, never as markup of its own.
 */
describe('fragmentToHtml', () => {
	type Node = string | { text: string; marks: Record<string, unknown> } | Element;
	type Element = { name: string; attributes?: Record<string, string>; children: Node[] };

	/** A fragment in a live document (Yjs types can be read only once they are in one). */
	function html(children: Node[]): string {
		const doc = new Y.Doc();
		const fragment = doc.getXmlFragment('text');
		fragment.insert(0, children.map(build));
		return fragmentToHtml(fragment);
	}

	function build(node: Node): Y.XmlElement | Y.XmlText {
		if (typeof node === 'string') return new Y.XmlText(node);
		if ('text' in node) {
			const text = new Y.XmlText();
			text.insert(0, node.text, node.marks);
			return text;
		}
		const element = new Y.XmlElement(node.name);
		for (const [name, value] of Object.entries(node.attributes ?? {})) element.setAttribute(name, value);
		element.insert(0, node.children.map(build));
		return element;
	}

	const paragraph = (...children: Node[]): Element => ({ name: 'paragraph', children });
	const ALLOWED_TAG = /^<\/?(p|ul|ol|li|strong|em|h3|blockquote)>$|^<br>$/;

	it('escapes every character that could start markup or leave an attribute', () => {
		expect(escapeHtml(`<&>"'`)).toBe('&#60;&#38;&#62;&#34;&#39;');
		expect(html([paragraph('<script>alert("x")</script> & <img src=x onerror=alert(1)>')])).toBe(
			'<p>&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#60;img src=x onerror=alert(1)&#62;</p>'
		);
	});

	it('keeps text that only looks like an entity as text', () => {
		expect(html([paragraph('&lt;b&gt; &#60; &amp;')])).toBe('<p>&#38;lt;b&#38;gt; &#38;#60; &#38;amp;</p>');
	});

	it('renders bold and italic as bare strong and em, with the text inside still escaped', () => {
		expect(
			html([
				paragraph(
					{ text: '<b>vet</b>', marks: { bold: true } },
					{ text: 'schuin', marks: { italic: true } },
					{ text: 'beide', marks: { bold: true, italic: true } }
				)
			])
		).toBe('<p><strong>&#60;b&#62;vet&#60;/b&#62;</strong><em>schuin</em><em><strong>beide</strong></em></p>');
	});

	it('never writes a mark’s value into the HTML', () => {
		const hostile = '" onmouseover="alert(1)';
		expect(html([paragraph({ text: 'x', marks: { bold: hostile, italic: { class: hostile } } })])).toBe(
			'<p><em><strong>x</strong></em></p>'
		);
	});

	it('renders a link mark as its text alone: no anchor, no href, whatever the URL', () => {
		for (const href of ['javascript:alert(document.cookie)', 'https://evil.example/', 'data:text/html,<script>']) {
			const out = html([paragraph({ text: 'klik hier', marks: { link: { href, target: '_blank' } } })]);
			expect(out).toBe('<p>klik hier</p>');
		}
	});

	it('drops elements it does not know and every attribute, keeping their text escaped', () => {
		expect(
			html([
				{ name: 'script', children: ['alert(1)'] },
				{ name: 'img', attributes: { src: 'x', onerror: 'alert(1)' }, children: [] },
				{ name: 'iframe', attributes: { src: 'javascript:alert(1)' }, children: ['<b>'] },
				{ name: 'paragraph', attributes: { style: 'background:url(x)', onclick: 'alert(1)' }, children: ['p'] },
				{ name: 'heading', attributes: { level: '1" onclick="alert(1)' }, children: ['kop'] },
				{ name: 'a', attributes: { href: 'javascript:alert(1)' }, children: ['link'] }
			])
		).toBe('alert(1)&#60;b&#62;<p>p</p><h3>kop</h3>link');
	});

	it('renders lists, quotes and line breaks with their own tags', () => {
		expect(
			html([
				{
					name: 'bulletList',
					children: [{ name: 'listItem', children: [paragraph('een', { name: 'hardBreak', children: [] }, 'twee')] }]
				},
				{ name: 'orderedList', children: [{ name: 'listItem', children: [paragraph('drie')] }] },
				{ name: 'blockquote', children: [paragraph('citaat')] }
			])
		).toBe('<ul><li><p>een<br>twee</p></li></ul><ol><li><p>drie</p></li></ol><blockquote><p>citaat</p></blockquote>');
	});

	it('for any tree of any nodes and any text, emits only bare allowed tags and all the text', () => {
		const names = ['paragraph', 'bulletList', 'listItem', 'heading', 'script', 'img', 'a', 'style', 'svg', 'p'];
		const text = fc.oneof(
			fc.string(),
			fc.record({
				text: fc.string({ minLength: 1 }),
				marks: fc.record({ bold: fc.boolean(), italic: fc.boolean(), link: fc.constant({ href: 'javascript:x' }) })
			})
		);
		const { tree } = fc.letrec<{ tree: Node[]; node: Node }>((tie) => ({
			tree: fc.array(tie('node'), { maxLength: 4 }),
			node: fc.oneof(
				{ depthSize: 'small', withCrossShrink: true },
				text,
				fc.record({
					name: fc.constantFrom(...names),
					attributes: fc.dictionary(fc.constantFrom('onclick', 'href', 'style', 'src'), fc.string()),
					children: tie('tree')
				})
			)
		}));
		fc.assert(
			fc.property(tree, (nodes) => {
				const out = html(nodes);
				for (const tag of out.match(/<[^>]*>/g) ?? []) expect(tag).toMatch(ALLOWED_TAG);
				const textOnly = out.replace(/<[^>]*>/g, '');
				expect(textOnly).not.toMatch(/[<>"']/);
				const unescaped = textOnly.replace(/&#(\d+);/g, (_, code) => String.fromCharCode(Number(code)));
				expect(unescaped).toBe(nodes.map(allText).join(''));
			})
		);
	});

	function allText(node: Node): string {
		if (typeof node === 'string') return node;
		if ('text' in node) return node.text;
		return node.children.map(allText).join('');
	}

	it('is what the plan’s agreements carry as html', () => {
		const doc = new Y.Doc();
		const agreement = createAgreement({ createdBy: 'test' });
		agreementsOf(doc).push([agreement]);
		(agreement.get('text') as Y.XmlFragment).insert(0, [build(paragraph('<img src=x onerror=alert(1)>'))]);
		expect(readPlan(doc).agreements[0].html).toBe('<p>&#60;img src=x onerror=alert(1)&#62;</p>');
		expect(readPlan(doc).agreements[0].text).toBe('<img src=x onerror=alert(1)>');
	});
});

/**
 * An accepted plan is frozen as canonical JSON and fingerprinted with the SHA-256 of it. The
 * same plan must give the same bytes on every machine and in every release, whatever order its
 * keys were built in, and nothing but the plan's own data may end up in them.
 */
describe('canonicalJson', () => {
	const fingerprint = (value: unknown) => encodeHexLowerCase(sha256(new TextEncoder().encode(canonicalJson(value))));

	it('orders keys at every depth, without whitespace', () => {
		expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } })).toBe(
			'{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}'
		);
	});

	it('orders keys by UTF-16 code units, not by locale or by number', () => {
		const keys = ['ﬀ', 'b', '😀', 'é', 'B', '9', 'e', '10'];
		const object = Object.fromEntries(keys.map((key) => [key, 0]));
		expect(canonicalJson(object)).toBe('{"10":0,"9":0,"B":0,"b":0,"e":0,"é":0,"😀":0,"ﬀ":0}');
	});

	it('writes text as JSON does: unicode as itself, lone surrogates and control characters escaped', () => {
		expect(canonicalJson({ naam: 'Zoë 😀 مرحبا', raar: '\ud800\u0007\n"\\' })).toBe(
			'{"naam":"Zoë 😀 مرحبا","raar":"\\ud800\\u0007\\n\\"\\\\"}'
		);
	});

	it('takes only the object’s own keys: nothing inherited, nothing added to Object.prototype', () => {
		const inherited = Object.assign(Object.create({ inherited: 'from the prototype' }), { own: 1 });
		expect(canonicalJson(inherited)).toBe('{"own":1}');
		const prototype = Object.prototype as Record<string, unknown>;
		prototype.polluted = 'by someone else';
		try {
			expect(canonicalJson({ a: [{}], b: 'x' })).toBe('{"a":[{}],"b":"x"}');
		} finally {
			delete prototype.polluted;
		}
	});

	it('keeps a "__proto__" key that is the data’s own, as data', () => {
		const parsed = JSON.parse('{"__proto__":{"role":"coordinator"},"a":1}');
		expect(canonicalJson(parsed)).toBe('{"__proto__":{"role":"coordinator"},"a":1}');
		expect(({} as Record<string, unknown>).role).toBeUndefined();
	});

	it('for any JSON value: reads back as the same value, and does not depend on key order', () => {
		fc.assert(
			fc.property(fc.jsonValue(), (value) => {
				const text = canonicalJson(value);
				expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
				expect(canonicalJson(reversedKeys(value))).toBe(text);
			})
		);
	});

	function reversedKeys(value: unknown): unknown {
		if (Array.isArray(value)) return value.map(reversedKeys);
		if (value && typeof value === 'object')
			return Object.fromEntries(
				Object.entries(value)
					.reverse()
					.map(([key, inner]) => [key, reversedKeys(inner)])
			);
		return value;
	}

	it('gives a frozen plan the same fingerprint as ever', () => {
		const frozen: FrozenPlan = {
			version: 1,
			conferenceTitle: 'Familie Jansen',
			question: 'Hoe kan Sem veilig thuis opgroeien?',
			brief: {
				concerns: [{ id: 'c1', by: 'Jeugdzorg', theme: 'upbringing', text: 'Zorg: school' }],
				conditions: [],
				information: '<p>Informatie</p>'
			},
			plan: {
				agreements: [
					{
						id: 'a1',
						theme: 'school',
						who: ['Oma Riet'],
						when: 'woensdag',
						answers: ['c1'],
						html: '<p>Oma haalt Sem op</p>',
						text: 'Oma haalt Sem op',
						status: 'open'
					}
				],
				groundRules: ['We laten elkaar uitpraten'],
				monitor: 'Oom Bert',
				evaluation: 'Over drie maanden',
				contingency: 'Dan belt Riet de coördinator'
			},
			acceptedBy: 'Peter Jeugdzorg',
			acceptedByRole: 'professional',
			conditions: 'Evaluatie over drie maanden',
			acceptedAt: '2025-01-01T12:00:00.000Z'
		};
		expect(fingerprint(frozen)).toBe(fingerprint(reversedKeys(frozen)));
		expect(fingerprint(frozen)).toBe('352570d6d357f534dfd814bb7107245bd020c884cea042c1dd04ca8e33277921');
	});

	it('turns what a plan and brief read from their documents into JSON that reads back whole', () => {
		for (const doc of [new Y.Doc(), withContent()]) {
			const content = { brief: readBrief(doc), plan: readPlan(doc) };
			expect(JSON.parse(canonicalJson(content))).toEqual(content);
		}
	});

	function withContent(): Y.Doc {
		const doc = new Y.Doc();
		const agreement = createAgreement({ createdBy: 'test', theme: 'money' });
		agreementsOf(doc).push([agreement]);
		(agreement.get('text') as Y.XmlFragment).insert(0, [new Y.XmlText('Budgetcoach')]);
		doc.getText('monitor').insert(0, 'Oom Bert');
		return doc;
	}
});
