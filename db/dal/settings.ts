import type { Db, Executor } from '../../lib/db.js';
import { REFUND_POLICIES, TERMS, type RefundPolicy } from '../../domain/terms.js';
import { table } from './tables.js';

export interface ProposalTiming {
  timeoutHours: number;
  reminderHoursBefore: number;
}

export interface PlacementTerms {
  guaranteeDays: number;
  holdbackBps: number;
  reminderDaysBefore: number;
  /** The platform's cut of each tranche (product §3.3). */
  platformFeeBps: number;
  /** What a failed guarantee refunds to the company, and the days it has to pay the fee (product §3.3). */
  refundPolicy: RefundPolicy;
  paymentTermsDays: number;
}

/** Reads marketplace-wide defaults; `value(key, fallback)` of the keys asked for. */
async function marketplaceConfig(trx: Executor, keys: string[]) {
  const rows: { key: string; value: unknown }[] = await table(trx, 'marketplace_config').whereIn('key', keys).select('key', 'value');
  const value = (key: string, fallback: number) => Number(rows.find((r) => r.key === key)?.value ?? fallback);
  /** The refund policy default (a JSON string the marketplace_config check constraint limits to the list). */
  const refundPolicy = (fallback: RefundPolicy): RefundPolicy => {
    const stored = rows.find((r) => r.key === 'refund_policy')?.value;
    return (REFUND_POLICIES as readonly unknown[]).includes(stored) ? (stored as RefundPolicy) : fallback;
  };
  return Object.assign(value, { refundPolicy });
}

export interface ProtectionTerms {
  windowDays: number;
  noticeDaysBefore: number;
}

export const settingsDal = (db: Db) => ({
  /** The company's proposal timeout, else the marketplace default (product §3.1: 72 h, reminder 24 h before). */
  async proposalTiming(companyId: string, trx: Executor = db): Promise<ProposalTiming> {
    const value = await marketplaceConfig(trx, ['proposal_timeout_hours', 'proposal_reminder_hours_before']);
    const company = await table(trx, 'company_settings').where({ company_id: companyId }).first('proposal_timeout_hours');
    return {
      timeoutHours: company?.proposal_timeout_hours ?? value('proposal_timeout_hours', TERMS.proposalDecisionHours.default),
      reminderHoursBefore: value('proposal_reminder_hours_before', 24),
    };
  },

  /**
   * The company's guarantee, holdback, platform fee, refund policy and payment terms, else the
   * marketplace defaults (product §3.2: 90 days, 20 %, notice 7 days before; §3.3: no platform
   * fee, full refund, net 30).
   */
  async placementTerms(companyId: string | null, trx: Executor = db): Promise<PlacementTerms> {
    const value = await marketplaceConfig(trx, [
      'guarantee_days',
      'holdback_bps',
      'guarantee_reminder_days_before',
      'platform_fee_bps',
      'refund_policy',
      'payment_terms_days',
    ]);
    const company = companyId ? await table(trx, 'placement_guarantee_config').where({ company_id: companyId }).first() : undefined;
    const own = companyId
      ? await table(trx, 'company_settings')
          .where({ company_id: companyId })
          .first('platform_fee_bps', 'refund_policy', 'payment_terms_days')
      : undefined;
    return {
      guaranteeDays: company?.guarantee_days ?? value('guarantee_days', TERMS.guaranteeDays.default),
      holdbackBps: company?.holdback_bps ?? value('holdback_bps', TERMS.holdbackBps.default),
      reminderDaysBefore: value('guarantee_reminder_days_before', 7),
      platformFeeBps: own?.platform_fee_bps ?? value('platform_fee_bps', TERMS.platformFeeBps.default),
      refundPolicy: own?.refund_policy ?? value.refundPolicy(TERMS.refundPolicy.default),
      paymentTermsDays: own?.payment_terms_days ?? value('payment_terms_days', TERMS.paymentTermsDays.default),
    };
  },

  /** The protection window of the job's company, else the marketplace default (product §3.4: 30 days, notice 3 days before). */
  async protectionTerms(jobId: string | undefined, trx: Executor = db): Promise<ProtectionTerms> {
    const value = await marketplaceConfig(trx, ['protection_window_days', 'protection_notice_days_before']);
    const company = jobId
      ? await table(trx, 'company_settings')
          .join('jobs', 'jobs.company_id', 'company_settings.company_id')
          .where('jobs.id', jobId)
          .first('company_settings.protection_window_days')
      : undefined;
    return {
      windowDays: company?.protection_window_days ?? value('protection_window_days', TERMS.protectionWindowDays.default),
      noticeDaysBefore: value('protection_notice_days_before', 3),
    };
  },
});
