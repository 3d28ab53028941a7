/**
 * SQLSTATEs that no retry can fix: class 22 (data exception: a NUL in text, a value out of range,
 * malformed input), a check constraint and a not-null violation. Unique and foreign-key violations
 * are not among them: a retry of an idempotent write after a race is how those resolve.
 */
function isPermanentSqlState(code: string): boolean {
  return code.startsWith('22') || code === '23514' || code === '23502';
}

/** The SQLSTATE of a Postgres error that refuses the data itself, if `err` is one (knex rethrows pg's error, sometimes as a cause). */
export function permanentSqlState(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return isPermanentSqlState(code) ? code : undefined;
  }
  return undefined;
}
