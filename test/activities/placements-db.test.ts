import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlacementDbActivities } from '../../activities/db/placements.js';
import type { Db } from '../../lib/db.js';
import { activityRunner, testDb } from '../support/context.js';
import { createPlacement } from '../../testkit/harness/factories.js';

let db: Db;
let activities: ReturnType<typeof createPlacementDbActivities>;
const run = activityRunner();
// The collaborators have no Stripe account: moving an application pays nobody.
const noStripe = {
  createAccount: () => {
    throw new Error('no Stripe account is needed here');
  },
};

beforeAll(() => {
  db = testDb();
  activities = createPlacementDbActivities({ db });
});
afterAll(() => db.destroy());

describe('moveApplication', () => {
  it("moves the candidate's application once per key: a retry writes no second history row and answers the same move", async () => {
    const { marketplace: m, placementId } = await createPlacement(db, noStripe, [{ role: 'submitter', splitBps: 10_000, account: 'none' }]);
    const [app] = await db('applications').insert({ candidate_id: m.candidateId, job_id: m.jobId, stage: 'offer' }).returning('id');
    const step = {
      placementId,
      candidateId: m.candidateId,
      to: 'hired' as const,
      key: `${placementId}:application-1-hired`,
      actor: m.actors.companyAdmin,
      reason: 'placement recorded',
      at: new Date().toISOString(),
    };
    const first = await run(activities.moveApplication, step);
    const retry = await run(activities.moveApplication, step);
    expect(first).toMatchObject({ applicationId: app!.id, stageFrom: 'offer', stageTo: 'hired', jobId: m.jobId, companyId: m.companyId });
    expect(retry).toEqual(first);
    expect(await db('application_stage_history').where({ application_id: app!.id }).select('from_stage', 'to_stage', 'source')).toEqual([
      { from_stage: 'offer', to_stage: 'hired', source: 'placement' },
    ]);
    // Already there under another key (e.g. the ATS got there first): nothing to move, nothing to announce.
    expect(await run(activities.moveApplication, { ...step, key: `${placementId}:application-2-hired` })).toBeNull();
  });
});
