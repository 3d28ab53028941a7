import { describe, expect, it } from 'vitest';
import { canonicalStage } from '../../../domain/ats-stages.js';

describe('canonical stages of ATS stage names', () => {
  it("maps each platform's pipeline onto submitted → screening → interview → offer → hired", () => {
    const pipelines = {
      greenhouse: ['Application Review', 'Recruiter Screen', 'Technical Interview', 'Onsite', 'Offer'],
      lever: ['New lead', 'Phone screen', 'On-site interview', 'Offer', 'Hired'],
      workable: ['Sourced', 'Applied', 'Phone Screen', 'Interview', 'Offer', 'Hired'],
      bamboohr: ['New', 'Reviewed', 'Schedule Phone Screen', 'Interviewed', 'Offer Sent', 'Hired'],
    };
    expect(Object.fromEntries(Object.entries(pipelines).map(([p, names]) => [p, names.map((n) => canonicalStage(n))]))).toEqual({
      greenhouse: ['submitted', 'screening', 'interview', 'interview', 'offer'],
      lever: ['submitted', 'screening', 'interview', 'offer', 'hired'],
      workable: ['submitted', 'submitted', 'screening', 'interview', 'offer', 'hired'],
      bamboohr: ['submitted', 'submitted', 'screening', 'interview', 'offer', 'hired'],
    });
  });

  it("lets the platform's status win over the stage name", () => {
    expect(canonicalStage('Onsite', 'rejected')).toBe('rejected');
    expect(canonicalStage('Offer', 'hired')).toBe('hired');
  });
});
