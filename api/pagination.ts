import { badRequest } from './errors.js';

/** Opaque keyset cursor over (created_at, id), newest first. */
export function encodeCursor(row: { created_at: Date; id: string }): string {
  return Buffer.from(JSON.stringify([row.created_at.toISOString(), row.id])).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): { createdAt: Date; id: string } | undefined {
  if (cursor === undefined) return undefined;
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const date = new Date(createdAt);
    if (Number.isNaN(date.getTime()) || typeof id !== 'string' || !/^[0-9a-f-]{36}$/i.test(id)) throw new Error();
    return { createdAt: date, id };
  } catch {
    throw badRequest('invalid cursor', [{ path: ['cursor'], message: 'not a cursor returned by this API' }]);
  }
}

/** Fetches one row more than asked to know whether a next page exists. */
export function page<T extends { created_at: Date; id: string }, D>(rows: T[], limit: number, toDto: (row: T) => D) {
  const visible = rows.slice(0, limit);
  const last = visible[visible.length - 1];
  return { data: visible.map(toDto), nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}
