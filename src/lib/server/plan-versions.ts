import { desc, eq, max } from 'drizzle-orm';
import type { FrozenPlan } from '$lib/plan/shape';
import { getDb, schema } from './db';

/** The newest accepted version of the plan, or null while none was accepted. */
export async function latestPlanVersion(conferenceId: string) {
	const db = await getDb();
	const [version] = await db
		.select()
		.from(schema.planVersions)
		.where(eq(schema.planVersions.conferenceId, conferenceId))
		.orderBy(desc(schema.planVersions.version))
		.limit(1);
	return version ?? null;
}

export async function nextPlanVersionNumber(conferenceId: string): Promise<number> {
	const db = await getDb();
	const [row] = await db
		.select({ highest: max(schema.planVersions.version) })
		.from(schema.planVersions)
		.where(eq(schema.planVersions.conferenceId, conferenceId));
	return (row?.highest ?? 0) + 1;
}

export function parseFrozen(content: string): FrozenPlan {
	return JSON.parse(content) as FrozenPlan;
}
