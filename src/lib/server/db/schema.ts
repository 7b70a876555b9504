import {
	bigint,
	bigserial,
	customType,
	index,
	integer,
	pgTable,
	primaryKey,
	text,
	timestamp
} from 'drizzle-orm/pg-core';
// Relative, not $lib: drizzle-kit loads this file without SvelteKit's aliases.
import { PARTICIPANT_STATUSES, PRESENCES } from '../../conference/participants';
import { DOCUMENTS, INVITED_ROLES, PHASES, ROLES, STAFF_ROLES } from '../../conference/phases';

const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
	dataType: () => 'bytea',
	fromDriver: (value) => new Uint8Array(value)
});

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

/** Staff accounts: coordinators and professionals. Family members have no account. */
export const users = pgTable('users', {
	id: text('id').primaryKey(),
	email: text('email').notNull().unique(),
	name: text('name').notNull(),
	role: text('role', { enum: STAFF_ROLES }).notNull(),
	passwordHash: text('password_hash'),
	/** An example person of the demo (never signs in); erased with the demo. */
	demo: integer('demo').notNull().default(0),
	createdAt: createdAt()
});

export const conferences = pgTable('conferences', {
	id: text('id').primaryKey(),
	title: text('title').notNull(),
	question: text('question').notNull(),
	language: text('language').notNull().default('nl'),
	phase: text('phase', { enum: PHASES }).notNull().default('preparation'),
	phaseChangedAt: timestamp('phase_changed_at', { withTimezone: true }).notNull().defaultNow(),
	/** Counts the phase changes: raised in the same update as the phase, so it orders them without a clock. */
	phaseVersion: integer('phase_version').notNull().default(0),
	roomCode: text('room_code').notNull().unique(),
	/** Set when the coordinator knocks during private time; the family sees it and decides. */
	knockedAt: timestamp('knocked_at', { withTimezone: true }),
	/** When the family last answered a knock with "not yet": the coordinator is told, until she knocks again. */
	notYetAt: timestamp('not_yet_at', { withTimezone: true }),
	/** Days after closing until everything about the conference is erased; null: the configured default. */
	retentionDays: integer('retention_days'),
	coordinatorId: text('coordinator_id')
		.notNull()
		.references(() => users.id),
	/** An evaluation conference names the accepted conference it started from (docs/design.md §7). */
	followsConferenceId: text('follows_conference_id'),
	/** The day the accepted plan is evaluated (YYYY-MM-DD), set after acceptance for the follow-up. */
	evaluationOn: text('evaluation_on'),
	/** Made by `npm start`'s demo: shown as a demo and erasable with it. */
	demo: integer('demo').notNull().default(0),
	createdAt: createdAt()
});

/** Everyone taking part in one conference: family members, the coordinator, professionals. */
export const participants = pgTable(
	'participants',
	{
		id: text('id').primaryKey(),
		conferenceId: text('conference_id')
			.notNull()
			.references(() => conferences.id, { onDelete: 'cascade' }),
		userId: text('user_id').references(() => users.id),
		role: text('role', { enum: ROLES }).notNull(),
		displayName: text('display_name').notNull(),
		presence: text('presence', { enum: PRESENCES }).notNull().default('room'),
		/** waiting: at the door during private time; removed: sent away, sessions ended. */
		status: text('status', { enum: PARTICIPANT_STATUSES }).notNull().default('active'),
		/** The family device that sent this one away (removed or declined), and the one that agreed. */
		sentAwayBy: text('sent_away_by'),
		sentAwayWith: text('sent_away_with'),
		/** A family device asked to send this one away and waits for a second one to agree. */
		removalRequestedBy: text('removal_requested_by'),
		createdAt: createdAt()
	},
	(table) => [index('participants_conference_idx').on(table.conferenceId)]
);

/** Sessions hold only the SHA-256 of the token; the token itself lives in the browser's cookie. */
export const sessions = pgTable('sessions', {
	id: text('id').primaryKey(),
	userId: text('user_id').references(() => users.id, { onDelete: 'cascade' }),
	participantId: text('participant_id').references(() => participants.id, { onDelete: 'cascade' }),
	expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
	sharedDevice: integer('shared_device').notNull().default(0)
});

export const invites = pgTable('invites', {
	id: text('id').primaryKey(),
	/** SHA-256 of the token in the link. */
	tokenHash: text('token_hash').notNull().unique(),
	conferenceId: text('conference_id')
		.notNull()
		.references(() => conferences.id, { onDelete: 'cascade' }),
	role: text('role', { enum: INVITED_ROLES }).notNull(),
	email: text('email'),
	name: text('name'),
	expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
	usedAt: timestamp('used_at', { withTimezone: true }),
	createdAt: createdAt()
});

/** One-time link that creates the first coordinator account on an empty database. */
export const setupTokens = pgTable('setup_tokens', {
	tokenHash: text('token_hash').primaryKey(),
	expiresAt: timestamp('expires_at', { withTimezone: true }).notNull()
});

/** Append-only log of Yjs updates; compacted into `docSnapshots` now and then. */
export const docUpdates = pgTable(
	'doc_updates',
	{
		id: bigserial('id', { mode: 'number' }).primaryKey(),
		conferenceId: text('conference_id')
			.notNull()
			.references(() => conferences.id, { onDelete: 'cascade' }),
		documentName: text('document_name', { enum: DOCUMENTS }).notNull(),
		update: bytea('update').notNull(),
		createdAt: createdAt()
	},
	(table) => [index('doc_updates_doc_idx').on(table.conferenceId, table.documentName, table.id)]
);

export const docSnapshots = pgTable(
	'doc_snapshots',
	{
		conferenceId: text('conference_id')
			.notNull()
			.references(() => conferences.id, { onDelete: 'cascade' }),
		documentName: text('document_name', { enum: DOCUMENTS }).notNull(),
		state: bytea('state').notNull(),
		/** The highest doc_updates id folded into this snapshot. */
		upToUpdateId: bigint('up_to_update_id', { mode: 'number' }).notNull(),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
	},
	(table) => [primaryKey({ columns: [table.conferenceId, table.documentName] })]
);

/**
 * Stored Yjs bytes that could not be read, set aside by `scripts/doc-repair.ts` when it writes a
 * repaired snapshot without them: kept for a later look, never folded into a document.
 */
export const docQuarantine = pgTable(
	'doc_quarantine',
	{
		id: bigserial('id', { mode: 'number' }).primaryKey(),
		conferenceId: text('conference_id')
			.notNull()
			.references(() => conferences.id, { onDelete: 'cascade' }),
		documentName: text('document_name', { enum: ['brief', 'plan'] }).notNull(),
		source: text('source', { enum: ['update', 'snapshot'] }).notNull(),
		/** The doc_updates id of the row, or the snapshot's up_to_update_id. */
		sourceId: bigint('source_id', { mode: 'number' }).notNull(),
		bytes: bytea('bytes').notNull(),
		storedAt: timestamp('stored_at', { withTimezone: true }).notNull(),
		quarantinedAt: timestamp('quarantined_at', { withTimezone: true }).notNull().defaultNow(),
		reason: text('reason').notNull()
	},
	(table) => [index('doc_quarantine_doc_idx').on(table.conferenceId, table.documentName)]
);

/** The accepted plan, frozen: never updated, only added to. */
export const planVersions = pgTable(
	'plan_versions',
	{
		conferenceId: text('conference_id')
			.notNull()
			.references(() => conferences.id, { onDelete: 'cascade' }),
		version: integer('version').notNull(),
		content: text('content').notNull(),
		sha256: text('sha256').notNull(),
		planState: bytea('plan_state').notNull(),
		briefState: bytea('brief_state').notNull(),
		acceptedBy: text('accepted_by').notNull(),
		acceptedByRole: text('accepted_by_role').notNull(),
		conditions: text('conditions').notNull().default(''),
		acceptedAt: timestamp('accepted_at', { withTimezone: true }).notNull().defaultNow()
	},
	(table) => [primaryKey({ columns: [table.conferenceId, table.version] })]
);

/**
 * The follow-up of an accepted plan: per agreement of a frozen version, whether it is done or not
 * yet (with a note), and who said so last. Kept beside the frozen version, which never changes.
 */
export const agreementTicks = pgTable(
	'agreement_ticks',
	{
		conferenceId: text('conference_id')
			.notNull()
			.references(() => conferences.id, { onDelete: 'cascade' }),
		version: integer('version').notNull(),
		agreementId: text('agreement_id').notNull(),
		state: text('state', { enum: ['done', 'not_yet'] }).notNull(),
		note: text('note').notNull().default(''),
		byName: text('by_name').notNull(),
		byRole: text('by_role').notNull(),
		at: timestamp('at', { withTimezone: true }).notNull().defaultNow()
	},
	(table) => [primaryKey({ columns: [table.conferenceId, table.version, table.agreementId] })]
);

/**
 * A family member's own way back to the accepted plan (docs/design.md §6): a link shown once,
 * stored as the SHA-256 of its token, revocable, each use logged.
 */
export const planLinks = pgTable(
	'plan_links',
	{
		id: text('id').primaryKey(),
		tokenHash: text('token_hash').notNull().unique(),
		conferenceId: text('conference_id')
			.notNull()
			.references(() => conferences.id, { onDelete: 'cascade' }),
		participantId: text('participant_id')
			.notNull()
			.references(() => participants.id, { onDelete: 'cascade' }),
		revokedAt: timestamp('revoked_at', { withTimezone: true }),
		lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
		createdAt: createdAt()
	},
	(table) => [index('plan_links_participant_idx').on(table.participantId)]
);

/**
 * A professional's question on one agreement card during the presentation, with the reason
 * (docs/design.md §7). Not plan content: the professional writes it, the family reads it on the
 * card and amends the plan. Open until the professional who asked accepts the plan.
 */
export const cardQuestions = pgTable(
	'card_questions',
	{
		id: text('id').primaryKey(),
		conferenceId: text('conference_id')
			.notNull()
			.references(() => conferences.id, { onDelete: 'cascade' }),
		/** The agreement's id in the plan document. */
		agreementId: text('agreement_id').notNull(),
		askedBy: text('asked_by')
			.notNull()
			.references(() => participants.id, { onDelete: 'cascade' }),
		reason: text('reason').notNull(),
		askedAt: timestamp('asked_at', { withTimezone: true }).notNull().defaultNow(),
		resolvedAt: timestamp('resolved_at', { withTimezone: true })
	},
	(table) => [index('card_questions_conference_idx').on(table.conferenceId)]
);

/**
 * One professional's acceptance of the presented plan, with the conditions they give; the plan is
 * accepted (frozen) once every professional in the conference has accepted the plan as it stands
 * (docs/design.md §7).
 */
export const acceptances = pgTable(
	'acceptances',
	{
		conferenceId: text('conference_id')
			.notNull()
			.references(() => conferences.id, { onDelete: 'cascade' }),
		participantId: text('participant_id')
			.notNull()
			.references(() => participants.id, { onDelete: 'cascade' }),
		conditions: text('conditions').notNull().default(''),
		acceptedAt: timestamp('accepted_at', { withTimezone: true }).notNull().defaultNow(),
		/** planFingerprint of the plan as this professional saw it: a later change of the plan voids it. */
		planFingerprint: text('plan_fingerprint').notNull().default('')
	},
	(table) => [primaryKey({ columns: [table.conferenceId, table.participantId] })]
);

/** What happened, by whom, when; never the family's content. */
export const auditLog = pgTable(
	'audit_log',
	{
		id: bigserial('id', { mode: 'number' }).primaryKey(),
		conferenceId: text('conference_id').references(() => conferences.id, { onDelete: 'cascade' }),
		at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
		actor: text('actor').notNull(),
		actorRole: text('actor_role').notNull(),
		action: text('action').notNull(),
		detail: text('detail').notNull().default('')
	},
	(table) => [index('audit_conference_idx').on(table.conferenceId, table.at)]
);

/** Row types, here at the bottom of the server's layers so that every service can name them. */
export type Conference = typeof conferences.$inferSelect;
export type Participant = typeof participants.$inferSelect;
export type CardQuestion = typeof cardQuestions.$inferSelect;
