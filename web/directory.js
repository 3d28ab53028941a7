/**
 * Job titles and candidate names, so lists can show names instead of ids. Loaded once
 * per sign-in; a failure only means ids are shown (and the next call tries again).
 * Company users may not list candidates, so they see candidate ids.
 */
import { api } from './api.js';
import { shortId } from './format.js';

const MAY_LIST_CANDIDATES = ['recruiter', 'platform_admin'];

let cached = null;

async function fetchDirectory(me) {
  const [jobs, candidates] = await Promise.all([
    api.allJobs({}),
    MAY_LIST_CANDIDATES.includes(me.role) ? api.allCandidates() : [],
  ]);
  return {
    jobs: new Map(jobs.map((j) => [j.id, j])),
    candidates: new Map(candidates.map((c) => [c.id, c])),
  };
}

export function loadDirectory(me) {
  cached ??= fetchDirectory(me).catch(() => {
    cached = null;
    return { jobs: new Map(), candidates: new Map() };
  });
  return cached;
}

export function resetDirectory() {
  cached = null;
}

export const jobLabel = (dir, id) => dir.jobs.get(id)?.title ?? `Job ${shortId(id)}`;
export const candidateLabel = (dir, id) => dir.candidates.get(id)?.fullName ?? `Candidate ${shortId(id)}`;
