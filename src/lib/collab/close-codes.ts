/**
 * WebSocket close codes of the live connection: the server closes with them, the browser
 * explains them to its user (and stops retrying), the tests expect them.
 */
export const CLOSE = {
	revoked: { code: 4403, reason: 'access revoked' },
	removed: { code: 4401, reason: 'participant removed' },
	signedOut: { code: 4401, reason: 'signed out' },
	malformed: { code: 4400, reason: 'malformed message' },
	/** An update the update guard refused (too big, pending, or not the documents' shape); the client was told why. */
	refused: { code: 4422, reason: 'change refused' },
	storageFailed: { code: 4500, reason: 'could not store the change, reconnect' },
	/** The same session opened more sockets than it may hold: its oldest makes way. */
	superseded: { code: 4409, reason: 'opened again on this device' },
	/** More arrived before the document was open than the server holds for a socket. */
	flooded: { code: 4429, reason: 'too much sent before the document was open' },
	/** The stored document cannot be read: not opened until it is repaired; the browser keeps retrying. */
	unreadable: { code: 4501, reason: 'stored document cannot be read' },
	shuttingDown: { code: 1012, reason: 'server restarting' },
	/** A message over KRING_MAX_MESSAGE_BYTES; the ws library closes with it itself, without a reason. */
	tooLarge: { code: 1009, reason: '' }
} as const;
