import type { Db, Executor } from '../../lib/db.js';
import { DEFAULT_TERMS, TERM_NAMES, type CompanyTerms, type TermName, type Terms, type TermsScope } from '../../domain/terms.js';
import { newestFirst, type Keyset } from './keyset.js';
import { table, type CompanySettingsTable, type PlacementGuaranteeConfigTable, type TermsChangesTable } from './tables.js';

type CompanyColumn = Exclude<keyof CompanySettingsTable | keyof PlacementGuaranteeConfigTable, 'company_id' | 'updated_at'>;
/** jsonb: SQL null for none (the marketplace default applies), else the JSON value. */
const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

/** Where each term is stored: a company's own value (a column of one of two tables) and the marketplace default (a `marketplace_config` key). */
const STORAGE = {
  proposalDecisionHours: { table: 'company_settings', column: 'proposal_timeout_hours', key: 'proposal_timeout_hours' },
  guaranteeDays: { table: 'placement_guarantee_config', column: 'guarantee_days', key: 'guarantee_days' },
  holdbackBps: { table: 'placement_guarantee_config', column: 'holdback_bps', key: 'holdback_bps' },
  protectionWindowDays: { table: 'company_settings', column: 'protection_window_days', key: 'protection_window_days' },
  refundPolicy: { table: 'company_settings', column: 'refund_policy', key: 'refund_policy' },
  paymentTermsDays: { table: 'company_settings', column: 'payment_terms_days', key: 'payment_terms_days' },
  platformFeeBps: { table: 'company_settings', column: 'platform_fee_bps', key: 'platform_fee_bps' },
} as const satisfies Record<TermName, { table: 'company_settings' | 'placement_guarantee_config'; column: CompanyColumn; key: string }>;

const KEYS = TERM_NAMES.map((t) => STORAGE[t].key);

export type TermsChange = TermsChangesTable;

/** A page of one scope's audit: a company's own terms, or the marketplace defaults. */
export type TermsHistory = { scope: 'company'; companyId: string } | { scope: Extract<TermsScope, 'marketplace'> };

/** Company terms and marketplace defaults (product §3.11): read, set, and their append-only audit. */
export const termsDal = (db: Db) => ({
  /** The marketplace defaults, each falling back to the domain's when its key is missing; `lock` holds the rows until the transaction ends. */
  async marketplace(trx: Executor = db, opts: { lock?: boolean } = {}): Promise<Terms> {
    const q = table(trx, 'marketplace_config').whereIn('key', KEYS).select('key', 'value');
    if (opts.lock) q.forUpdate();
    const rows: { key: string; value: unknown }[] = await q;
    const byKey = new Map(rows.map((r) => [r.key, r.value]));
    return Object.fromEntries(TERM_NAMES.map((t) => [t, byKey.get(STORAGE[t].key) ?? DEFAULT_TERMS[t]])) as unknown as Terms;
  },

  /** The company's own terms (null where it has none), or undefined when there is no such company; `lock` locks the company's row. */
  async company(companyId: string, trx: Executor = db, opts: { lock?: boolean } = {}): Promise<CompanyTerms | undefined> {
    const q = table(trx, 'companies').where({ id: companyId }).first('id');
    if (opts.lock) q.forUpdate();
    if (!(await q)) return undefined;
    const settings = await table(trx, 'company_settings').where({ company_id: companyId }).first();
    const guarantee = await table(trx, 'placement_guarantee_config').where({ company_id: companyId }).first();
    const rows = { company_settings: settings, placement_guarantee_config: guarantee } as Record<
      string,
      Record<string, unknown> | undefined
    >;
    return Object.fromEntries(TERM_NAMES.map((t) => [t, rows[STORAGE[t].table]?.[STORAGE[t].column] ?? null])) as unknown as CompanyTerms;
  },

  /** Sets the given terms of a company (null: back to the marketplace default), creating its settings rows when needed. */
  async setCompany(companyId: string, values: Partial<CompanyTerms>, trx: Executor = db): Promise<void> {
    const now = new Date();
    for (const target of ['company_settings', 'placement_guarantee_config'] as const) {
      const columns = Object.fromEntries(
        (Object.keys(values) as TermName[]).filter((t) => STORAGE[t].table === target).map((t) => [STORAGE[t].column, values[t]]),
      );
      if (Object.keys(columns).length === 0) continue;
      await table(trx, target)
        .insert({ company_id: companyId, ...columns, updated_at: now })
        .onConflict('company_id')
        .merge({ ...columns, updated_at: now });
    }
  },

  /** Sets the given marketplace defaults. */
  async setMarketplace(values: Partial<Terms>, trx: Executor = db): Promise<void> {
    const now = new Date();
    for (const t of Object.keys(values) as TermName[]) {
      await table(trx, 'marketplace_config')
        .insert({ key: STORAGE[t].key, value: JSON.stringify(values[t]), updated_at: now })
        .onConflict('key')
        .merge(['value', 'updated_at']);
    }
  },

  async recordChanges(rows: Omit<TermsChange, 'id' | 'occurred_at'>[], trx: Executor = db): Promise<void> {
    if (rows.length === 0) return;
    await table(trx, 'terms_changes').insert(
      rows.map((r) => ({
        ...r,
        old_value: json(r.old_value),
        new_value: json(r.new_value),
        old_effective: json(r.old_effective),
        new_effective: json(r.new_effective),
      })),
    );
  },

  /** One scope's audit, newest first, keyset-paginated on (occurred_at, id). */
  changes(history: TermsHistory, page: Keyset, trx: Executor = db): Promise<TermsChange[]> {
    const q =
      history.scope === 'company'
        ? table(trx, 'terms_changes').where({ scope: 'company', company_id: history.companyId })
        : table(trx, 'terms_changes').where({ scope: 'marketplace' });
    return newestFirst(q, page, 'terms_changes', 'occurred_at') as unknown as Promise<TermsChange[]>;
  },
});
