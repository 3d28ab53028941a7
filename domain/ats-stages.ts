import type { CanonicalApplication } from './ats.js';
import type { ApplicationStage } from './automation-rules.js';

/**
 * An ATS's own stage names ("Recruiter Screen", "On-site interview", "Offer Sent" …) →
 * our canonical stages, so pipelines, stage history and automation rules speak one
 * vocabulary; the ATS's name is kept beside it as the label people know. The platform's
 * status wins (hired / rejected); otherwise the first pattern the name matches, checked
 * in this order (an "Offer Sent" is an offer, a "Schedule Phone Screen" a screening);
 * anything else (New, Applied, Application Review, Sourced …) is `submitted`.
 */
const PATTERNS: [RegExp, ApplicationStage][] = [
  [/\bhired?\b/i, 'hired'],
  [/reject|disqualif|archiv|declin/i, 'rejected'],
  [/offer/i, 'offer'],
  [/interview|on-?site|assessment|panel|technical|take.?home/i, 'interview'],
  [/screen/i, 'screening'],
];

export function canonicalStage(name: string, status: CanonicalApplication['status'] = 'active'): ApplicationStage {
  if (status === 'hired' || status === 'rejected') return status;
  return PATTERNS.find(([pattern]) => pattern.test(name))?.[1] ?? 'submitted';
}
