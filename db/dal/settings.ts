import type { Db, Executor } from '../../lib/db.js';

export interface ProposalTiming {
  timeoutHours: number;
  reminderHoursBefore: number;
}

export const settingsDal = (db: Db) => ({
  /** The company's proposal timeout, else the marketplace default (SPEC §3.1: 72 h, reminder 24 h before). */
  async proposalTiming(companyId: string, trx: Executor = db): Promise<ProposalTiming> {
    const config = await trx('marketplace_config')
      .whereIn('key', ['proposal_timeout_hours', 'proposal_reminder_hours_before'])
      .select('key', 'value');
    const value = (key: string, fallback: number) =>
      Number(config.find((c: { key: string }) => c.key === key)?.value ?? fallback);
    const company = await trx('company_settings').where({ company_id: companyId }).first('proposal_timeout_hours');
    return {
      timeoutHours: company?.proposal_timeout_hours ?? value('proposal_timeout_hours', 72),
      reminderHoursBefore: value('proposal_reminder_hours_before', 24),
    };
  },
});
