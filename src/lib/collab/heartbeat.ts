/**
 * Kring's heartbeat on the live connection, next to the y-websocket protocol's messages (0–3) and
 * "saving" (100). A browser cannot see a dead TCP connection (a phone that walked out of the Wi-Fi,
 * a router that dropped it) and cannot send or see WebSocket pings, so the board asks: when it has
 * heard nothing for `HEARTBEAT_AFTER_MS` it sends this one-byte message, and the server answers with
 * the same byte at once. A connection silent for `DEAD_AFTER_MS` is dead: the board says so and
 * connects again (docs/design.md §5.2, "A dead connection").
 */
export const MESSAGE_HEARTBEAT = 101;
/** The whole message, both ways: the varUint 101 is one byte. */
export const HEARTBEAT = new Uint8Array([MESSAGE_HEARTBEAT]);
/** The board sends a heartbeat after this much silence. */
export const HEARTBEAT_AFTER_MS = 2_500;
/** Silence this long (two heartbeats unanswered) means the connection is dead; checked twice a second, so a dead connection is named within 7.5 s. */
export const DEAD_AFTER_MS = 7_000;
/** A connection that does not open within this time is given up and tried again. */
export const CONNECT_TIMEOUT_MS = 10_000;

export function isHeartbeat(data: Uint8Array): boolean {
	return data.byteLength === 1 && data[0] === MESSAGE_HEARTBEAT;
}
