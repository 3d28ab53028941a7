import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { insertOnce, insertManyOnce } from '../../db/dal/once.js';
import { testDb } from '../support/context.js';

const db = testDb();
afterAll(() => db.destroy());

const event = (key: string, type = 'test.once') => ({
  type,
  actor_role: 'system',
  occurred_at: new Date(),
  event_key: key,
  details: JSON.stringify({ by: type }),
});

describe('insertOnce', () => {
  it('writes a row once by its key: the second call gets the first row back, not its own', async () => {
    const key = `once:${randomUUID()}`;
    const first = await insertOnce(db, 'marketplace_events', event(key, 'first'), { key: ['event_key'] });
    const second = await insertOnce(db, 'marketplace_events', event(key, 'second'), { key: ['event_key'] });
    expect(first.inserted).toBe(true);
    expect(second).toEqual({ row: first.row, inserted: false });
    expect(second.row.type).toBe('first');
  });

  it('of two concurrent calls exactly one inserts, and both get the one row', async () => {
    for (let round = 0; round < 5; round++) {
      const key = `once:${randomUUID()}`;
      const [a, b] = await Promise.all([
        insertOnce(db, 'marketplace_events', event(key, 'a'), { key: ['event_key'] }),
        insertOnce(db, 'marketplace_events', event(key, 'b'), { key: ['event_key'] }),
      ]);
      expect([a.inserted, b.inserted].sort()).toEqual([false, true]);
      expect(a.row).toEqual(b.row);
      expect(await db('marketplace_events').where({ event_key: key }).count({ n: '*' })).toEqual([{ n: 1 }]);
    }
  });

  it('a call racing an uncommitted insert waits for it and returns the committed row', async () => {
    const key = `once:${randomUUID()}`;
    const trx = await db.transaction();
    const held = await insertOnce(trx, 'marketplace_events', event(key, 'held'), { key: ['event_key'] });
    const racing = insertOnce(db, 'marketplace_events', event(key, 'racing'), { key: ['event_key'] });
    // The racing insert blocks on the open transaction's key until it commits.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await trx.commit();
    const raced = await racing;
    expect(held.inserted).toBe(true);
    expect(raced).toEqual({ row: held.row, inserted: false });
  });

  it('a rolled-back insert leaves the key free for the racing call', async () => {
    const key = `once:${randomUUID()}`;
    const trx = await db.transaction();
    await insertOnce(trx, 'marketplace_events', event(key, 'rolled back'), { key: ['event_key'] });
    const racing = insertOnce(db, 'marketplace_events', event(key, 'racing'), { key: ['event_key'] });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await trx.rollback();
    const raced = await racing;
    expect(raced.inserted).toBe(true);
    expect(raced.row.type).toBe('racing');
  });
});

describe('insertManyOnce', () => {
  it('returns only the rows this call wrote', async () => {
    const [k1, k2] = [`once:${randomUUID()}`, `once:${randomUUID()}`];
    await insertOnce(db, 'marketplace_events', event(k1), { key: ['event_key'] });
    const fresh = await insertManyOnce(db, 'marketplace_events', [event(k1), event(k2)], { key: ['event_key'] });
    expect(fresh.map((r) => r.event_key)).toEqual([k2]);
    expect(await insertManyOnce(db, 'marketplace_events', [], { key: ['event_key'] })).toEqual([]);
  });
});
