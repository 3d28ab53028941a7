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

/** `people` names the actors (namesDal.people), so pages show who acted rather than an id. */
export const historyDto = <S extends string>(h: HistoryRow<S>, people: Map<string, string>) => ({
  oldState: h.old_state,
  newState: h.new_state,
  actorUserId: h.actor_user_id,
  actorName: people.get(h.actor_user_id ?? '') ?? null,
  actorRole: h.actor_role,
  reason: h.reason,
  occurredAt: h.occurred_at.toISOString(),
});
