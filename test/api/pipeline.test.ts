import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMarketplace, placementBody, type Marketplace } from '../../testkit/harness/factories.js';
import { startApiHarness, type ApiHarness } from '../../testkit/harness/api-harness.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => {
  await h?.stop();
});

const pipelineOf = async (m: Marketplace) =>
  (await h.request('GET', `/api/v1/jobs/${m.jobId}/pipeline`, { actor: m.actors.companyAdmin })).body;
const countsOf = (pipeline: { stages: { stage: string; count: number }[] }) =>
  Object.fromEntries(pipeline.stages.filter((s) => s.count > 0).map((s) => [s.stage, s.count]));

describe('the pipeline of a job', () => {
  it('follows the placement: the accepted candidate shows as hired once the hire is recorded, and as left once a failure is reported', async () => {
    const m = await createMarketplace(h.db);
    const proposal = await h.request('POST', '/api/v1/proposals', {
      actor: m.actors.recruiter,
      body: { candidateId: m.candidateId, jobId: m.jobId, pitch: 'Great fit.' },
    });
    expect(
      (await h.request('POST', `/api/v1/proposals/${proposal.body.id}/accept`, { actor: m.actors.companyAdmin, body: {} })).status,
    ).toBe(200);
    expect(countsOf(await pipelineOf(m))).toEqual({ submitted: 1 });

    const placement = await h.request('POST', '/api/v1/placements', { actor: m.actors.companyAdmin, body: placementBody(m) });
    expect(placement.status).toBe(201);
    const hired = await pipelineOf(m);
    expect(countsOf(hired)).toEqual({ hired: 1 });
    expect(hired.candidates).toMatchObject([{ candidateId: m.candidateId, stage: 'hired', stageLabel: null, status: 'hired' }]);

    expect(
      (await h.request('POST', `/api/v1/placements/${placement.body.id}/activate`, { actor: m.actors.companyAdmin, body: {} })).status,
    ).toBe(200);
    expect(
      (
        await h.request('POST', `/api/v1/placements/${placement.body.id}/report-failure`, {
          actor: m.actors.companyAdmin,
          body: { reason: 'resigned in week two' },
        })
      ).status,
    ).toBe(200);
    const left = await pipelineOf(m);
    expect(countsOf(left)).toEqual({ left: 1 });
    expect(left.candidates).toMatchObject([{ stage: 'left', status: 'closed' }]);
    const moves = await h
      .db('application_stage_history')
      .where({ application_id: left.candidates[0].applicationId })
      .orderBy('id')
      .select('from_stage', 'to_stage', 'source');
    expect(moves).toEqual([
      { from_stage: 'submitted', to_stage: 'hired', source: 'placement' },
      { from_stage: 'hired', to_stage: 'left', source: 'placement' },
    ]);
  });
});
