/**
 * Kring's own message on the live connection, next to the y-websocket protocol's (0–3): whether
 * the server can store this document's edits right now. A varUint type, then 1 (saving is paused:
 * the database is stuck, edits wait on the phones and on the server) or 0 (saving works again).
 * The server sends it to every socket of the document; the board shows it.
 */
export const MESSAGE_SAVING = 100;
export const SAVING_PAUSED = 1;
export const SAVING_RESUMED = 0;
