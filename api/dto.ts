/** Row → JSON helpers shared by the routes: timestamps as ISO strings, state-history rows. */
export const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** One row of an append-only state history (proposals, placements). */
export interface HistoryRow<S extends string> {
  old_state: S | null;
  new_state: S;
  actor_user_id: string | null;
  actor_role: string;
  reason: string | null;
  occurred_at: Date;
}

export const historyDto = <S extends string>(h: HistoryRow<S>) => ({
  oldState: h.old_state,
  newState: h.new_state,
  actorUserId: h.actor_user_id,
  actorRole: h.actor_role,
  reason: h.reason,
  occurredAt: h.occurred_at.toISOString(),
});
