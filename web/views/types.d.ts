/** The resources views render (as the API sends them) and what every view is given. */
import type { Item, Ok } from '../api-client';

export type Me = Ok<'/me'>;
export type UiConfig = Ok<'/ui-config'>;
export type Proposal = Ok<'/proposals/{id}'>;
export type ProposalSummary = Item<'/proposals'>;
export type Placement = Ok<'/placements/{id}'>;
export type PlacementSummary = Item<'/placements'>;
export type Payout = Item<'/payouts'>;
export type Recruiter = Item<'/recruiters'>;

export interface ViewContext {
  me: Me;
  uiConfig: UiConfig | null;
  query: URLSearchParams;
  /** `id` from the route's pattern ('' on a route without one). */
  params: { id: string };
  signal: AbortSignal;
  navigate: (path: string, options?: { notice?: string }) => void;
  /** A one-shot message left by the previous view. */
  flash: string | null;
  /** `token`: a pasted bearer token to keep; null for a cookie session (an e-mailed link). */
  onSignedIn: (token: string | null, user: Me) => Promise<void>;
}
export type View = (root: HTMLElement, ctx: ViewContext) => unknown;
