import { afterAll, describe, expect, it } from 'vitest';
import { toApiError } from '../../api/errors.js';
import { testDb } from '../support/context.js';

const db = testDb();
afterAll(() => db.destroy());

const refusal = (sql: string, bindings: unknown[] = []) =>
  db.raw(sql, bindings as never).then(
    () => {
      throw new Error('expected the database to refuse');
    },
    (err: unknown) => err,
  );

describe('toApiError', () => {
  it('answers a write the database refuses for its data with 422 invalid_data, not a 500', async () => {
    for (const err of [
      await refusal('select ?::text', ['a\u0000b']),
      await refusal('select \'{"a":"\\u0000"}\'::jsonb'),
      await refusal("select 'x'::uuid"),
    ]) {
      expect(toApiError(err)).toMatchObject({ status: 422, code: 'invalid_data' });
    }
  });

  it('leaves other database errors to the 500 handler', async () => {
    expect(toApiError(await refusal('select * from no_such_table'))).toBeUndefined();
  });
});
