import type { DocumentName, Phase, Role } from './phases';

export type Access = 'none' | 'read' | 'write';

/**
 * Who sees what: docs/design.md §3, the single source of the access matrix.
 * Every path that hands out document content (WebSocket, SSR, exports, presence)
 * asks this function, and nothing else decides.
 */
const MATRIX: Record<Phase, Record<Role, Record<DocumentName, Access>>> = {
	preparation: {
		coordinator: { brief: 'write', plan: 'none' },
		professional: { brief: 'write', plan: 'none' },
		family: { brief: 'read', plan: 'write' }
	},
	information: {
		coordinator: { brief: 'write', plan: 'none' },
		professional: { brief: 'write', plan: 'none' },
		family: { brief: 'write', plan: 'write' }
	},
	private: {
		coordinator: { brief: 'none', plan: 'none' },
		professional: { brief: 'none', plan: 'none' },
		family: { brief: 'read', plan: 'write' }
	},
	presentation: {
		coordinator: { brief: 'read', plan: 'read' },
		professional: { brief: 'read', plan: 'read' },
		family: { brief: 'read', plan: 'write' }
	},
	accepted: {
		coordinator: { brief: 'read', plan: 'read' },
		professional: { brief: 'read', plan: 'read' },
		family: { brief: 'read', plan: 'read' }
	},
	closed: {
		coordinator: { brief: 'none', plan: 'none' },
		professional: { brief: 'read', plan: 'read' },
		family: { brief: 'read', plan: 'read' }
	}
};

export function access(role: Role, phase: Phase, document: DocumentName): Access {
	// Fails closed: a key that is not in the table (even one every object has, like `toString`) is none.
	const cell: unknown = MATRIX[phase]?.[role]?.[document];
	return cell === 'read' || cell === 'write' ? cell : 'none';
}

export function canRead(role: Role, phase: Phase, document: DocumentName): boolean {
	return access(role, phase, document) !== 'none';
}

export function canWrite(role: Role, phase: Phase, document: DocumentName): boolean {
	return access(role, phase, document) === 'write';
}
