import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CONDITION_LIMITS,
  evaluateCondition,
  isHighImpact,
  parseCondition,
  ruleIssues,
  type Condition,
} from '../../domain/automation-rules.js';

const data = { stageTo: 'interview', stageFrom: 'screening', feeCents: 150_000, source: 'ats', recruiterId: 'r-1', empty: null };
const met = (c: Condition | null) => evaluateCondition(c, data).met;

describe('condition language: evaluation', () => {
  it('compares with every operator', () => {
    expect(met({ field: 'stageTo', op: 'eq', value: 'interview' })).toBe(true);
    expect(met({ field: 'stageTo', op: 'neq', value: 'interview' })).toBe(false);
    expect(met({ field: 'feeCents', op: 'gt', value: 100_000 })).toBe(true);
    expect(met({ field: 'feeCents', op: 'gte', value: 150_000 })).toBe(true);
    expect(met({ field: 'feeCents', op: 'lt', value: 150_000 })).toBe(false);
    expect(met({ field: 'feeCents', op: 'lte', value: 150_000 })).toBe(true);
    expect(met({ field: 'stageTo', op: 'in', value: ['offer', 'interview'] })).toBe(true);
    expect(met({ field: 'stageTo', op: 'contains', value: 'view' })).toBe(true);
    expect(met({ field: 'stageTo', op: 'exists' })).toBe(true);
    expect(met({ field: 'empty', op: 'exists' })).toBe(false);
  });

  it('joins with all / any / not, treats no condition as always, and traces each comparison', () => {
    const c: Condition = {
      all: [
        { field: 'source', op: 'eq', value: 'ats' },
        { any: [{ field: 'stageTo', op: 'eq', value: 'offer' }, { not: { field: 'feeCents', op: 'lt', value: 1 } }] },
      ],
    };
    const result = evaluateCondition(c, data);
    expect(result.met).toBe(true);
    expect(result.trace.map((t) => [t.field, t.met])).toEqual([
      ['source', true],
      ['stageTo', false],
      ['feeCents', false],
    ]);
    expect(met(null)).toBe(true);
  });

  it('never orders a number against a string, and treats a missing field as not equal', () => {
    expect(met({ field: 'feeCents', op: 'gt', value: '1' })).toBe(false);
    expect(met({ field: 'stageTo', op: 'lt', value: 5 })).toBe(false);
    expect(met({ field: 'missing', op: 'eq', value: null })).toBe(false);
    expect(met({ field: 'missing', op: 'neq', value: 'x' })).toBe(true);
  });

  it('never reads the prototype chain', () => {
    for (const field of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
      expect(evaluateCondition({ field, op: 'exists' }, {}).met).toBe(false);
    }
    const hostile = JSON.parse('{"__proto__": {"isAdmin": true}}') as Record<string, unknown>;
    expect(evaluateCondition({ field: 'isAdmin', op: 'eq', value: true }, hostile).met).toBe(false);
  });
});

describe('condition language: hostile input', () => {
  const refused = (value: unknown) => {
    const { condition, issues } = parseCondition(value);
    expect(condition).toBeNull();
    expect(issues.length).toBeGreaterThan(0);
    return issues;
  };

  it('refuses nesting past the depth limit quickly, even 100,000 levels deep', () => {
    let deep: unknown = { field: 'stageTo', op: 'exists' };
    for (let i = 0; i < 100_000; i++) deep = { not: deep };
    const started = performance.now();
    expect(refused(deep)[0]!.message).toContain(`${CONDITION_LIMITS.maxDepth} levels`);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('refuses too many parts, unknown operators, extra keys, empty groups and non-objects, pointing at the part', () => {
    refused({ any: Array.from({ length: CONDITION_LIMITS.maxNodes + 1 }, () => ({ field: 'stageTo', op: 'exists' })) });
    expect(
      refused({
        all: [
          { field: 'stageTo', op: 'eq', value: 'x' },
          { field: 'stageTo', op: '$where', value: 'sleep(1)' },
        ],
      })[0]!.path,
    ).toEqual(['all', 1, 'op']);
    refused({ field: 'stageTo', op: 'eq', value: 'x', $where: 'x' });
    refused({ all: [] });
    refused({ all: ['stageTo == interview'] });
    refused('process.exit(1)');
    refused([{ field: 'stageTo', op: 'exists' }]);
    refused({ all: [{ field: 'a', op: 'exists' }], any: [] });
  });

  it('refuses values that are not plain scalars: objects, arrays where one is expected, NaN, Infinity, long strings', () => {
    refused({ field: 'stageTo', op: 'eq', value: { $ne: null } });
    refused({ field: 'stageTo', op: 'eq', value: ['a'] });
    refused({ field: 'feeCents', op: 'gt', value: Number.NaN });
    refused({ field: 'feeCents', op: 'gt', value: Number.POSITIVE_INFINITY });
    refused({ field: 'stageTo', op: 'eq', value: 'x'.repeat(501) });
    refused({ field: 'stageTo', op: 'in', value: Array.from({ length: CONDITION_LIMITS.maxListValues + 1 }, (_, i) => i) });
    refused({ field: 'stageTo', op: 'exists', value: true });
    refused({ field: 'a.b', op: 'exists' });
  });

  it('compares code-looking strings as plain strings', () => {
    const { condition } = parseCondition({ field: 'stageTo', op: 'eq', value: '${process.exit()}' });
    expect(evaluateCondition(condition, { stageTo: '${process.exit()}' }).met).toBe(true);
    expect(evaluateCondition(condition, data).met).toBe(false);
  });

  it('never throws on any JSON, and what it accepts evaluates to a boolean on any data', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })), (value, record) => {
        const { condition, issues } = parseCondition(value);
        expect(condition === null ? issues.length > 0 || value === null : issues.length === 0).toBe(true);
        if (condition) expect(typeof evaluateCondition(condition, record).met).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });
});

describe('rule checks', () => {
  it('reports condition fields and action needs the trigger cannot supply', () => {
    expect(
      ruleIssues({
        trigger: 'application.stage_changed',
        conditions: { field: 'stageTo', op: 'eq', value: 'x' },
        actions: [{ type: 'advance_stage', stage: 'offer' }],
      }),
    ).toEqual([]);
    expect(
      ruleIssues({ trigger: 'application.stage_changed', conditions: { field: 'salary', op: 'gt', value: 1 }, actions: [] })[0]!.message,
    ).toContain('no field "salary"');
    expect(
      ruleIssues({ trigger: 'sourcing.conflict', conditions: null, actions: [{ type: 'advance_stage', stage: 'offer' }] })[0]!.message,
    ).toContain('applicationId');
    expect(
      ruleIssues({
        trigger: 'protection.expired',
        conditions: null,
        actions: [{ type: 'send_email', template: 'follow_up', to: 'hiring_manager' }],
      })[0]!.message,
    ).toContain('jobId');
  });

  it('marks the high-impact actions that must wait for approval', () => {
    expect(isHighImpact({ type: 'reject_application', reason: 'x' })).toBe(true);
    expect(isHighImpact({ type: 'advance_stage', stage: 'offer' })).toBe(true);
    expect(isHighImpact({ type: 'advance_stage', stage: 'hired' })).toBe(true);
    expect(isHighImpact({ type: 'send_email', template: 'offer', to: 'candidate' })).toBe(true);
    expect(isHighImpact({ type: 'advance_stage', stage: 'screening' })).toBe(false);
    expect(isHighImpact({ type: 'send_email', template: 'stage_update', to: 'candidate' })).toBe(false);
    expect(isHighImpact({ type: 'create_task', title: 't', dueInDays: 1 })).toBe(false);
  });
});
