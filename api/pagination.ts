import { badRequest } from './errors.js';

/** Row ids a cursor may carry: uuids, or the digits of a bigint serial (append-only event tables). */
const CURSOR_IDS = { uuid: /^[0-9a-f-]{36}$/i, serial: /^\d{1,18}$/ };

/** Opaque keyset cursor over (time, id), newest first. */
export function encodeCursor(at: Date, id: string | number): string {
  return Buffer.from(JSON.stringify([at.toISOString(), String(id)])).toString('base64url');
}

/** `idKind` must match the list's id column, so a forged cursor is a 400, never a database type error. */
export function decodeCursor(
  cursor: string | undefined,
  idKind: keyof typeof CURSOR_IDS = 'uuid',
): { createdAt: Date; id: string } | undefined {
  if (cursor === undefined) return undefined;
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const date = new Date(createdAt);
    if (Number.isNaN(date.getTime()) || typeof id !== 'string' || !CURSOR_IDS[idKind].test(id)) throw new Error();
    return { createdAt: date, id };
  } catch {
    throw badRequest('invalid cursor', [{ path: ['cursor'], message: 'not a cursor returned by this API' }]);
  }
}

/**
 * Fetches one row more than asked to know whether a next page exists; `column` is the
 * time column the list is ordered by (as given to `newestFirst`).
 */
export function page<T extends Record<K, Date> & { id: string | number }, D, K extends string = 'created_at'>(
  rows: T[],
  limit: number,
  toDto: (row: T) => D,
  column: K = 'created_at' as K,
) {
  const visible = rows.slice(0, limit);
  const last = visible[visible.length - 1];
  return { data: visible.map(toDto), nextCursor: rows.length > limit && last ? encodeCursor(last[column], last.id) : null };
}

/** Opaque keyset cursor over (rank, id) for a ranked full-text search, best first. */
export function encodeRankCursor(rank: number, id: string): string {
  return Buffer.from(JSON.stringify(['rank', rank, id])).toString('base64url');
}

export function decodeRankCursor(cursor: string | undefined): { rank: number; id: string } | undefined {
  if (cursor === undefined) return undefined;
  try {
    const [tag, rank, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, number, string];
    if (tag !== 'rank' || typeof rank !== 'number' || !Number.isFinite(rank) || typeof id !== 'string' || !CURSOR_IDS.uuid.test(id))
      throw new Error();
    return { rank, id };
  } catch {
    throw badRequest('invalid cursor', [{ path: ['cursor'], message: 'not a cursor returned by this API for this search' }]);
  }
}
