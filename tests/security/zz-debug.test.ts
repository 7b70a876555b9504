import { it, expect } from 'vitest';
import { startKring, seedConference, rawDocSocket, syncStep1, awarenessMessage, until, Browser, expectAction, writeAgreement, decodeMessage } from './support';
it('debug', async () => {
	const server = await startKring();
	const c = await seedConference(server);
	await c.phase(c.coordinator, 'private');
	const s = await rawDocSocket(c.bram, c.id, 'plan');
	s.send(syncStep1());
	const origSend = (c.annaPlan.provider as any).ws.send.bind((c.annaPlan.provider as any).ws);
	(c.annaPlan.provider as any).ws.send = (m: any) => { console.log('anna sends', JSON.stringify(decodeMessage(new Uint8Array(m)))); origSend(m); };
	c.annaPlan.provider.awareness.setLocalStateField('focus', 'agreements');
	await new Promise(r => setTimeout(r, 500));
	c.annaPlan.provider.awareness.setLocalStateField('focus', 'second');
	await new Promise(r => setTimeout(r, 500));
	for (const m of s.messages) { const d = decodeMessage(m); if (d.kind === 'awareness') console.log(JSON.stringify(d)); }
	console.log(server.logs());
	c.close(); await server.stop();
}, 60000);
