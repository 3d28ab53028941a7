import type { Knex } from 'knex';
import * as m001 from './001_foundation.js';
import * as m002 from './002_placements_payouts.js';
import * as m003 from './003_candidate_ownership.js';
import * as m004 from './004_automation.js';
import * as m005 from './005_ats_sync.js';
import * as m006 from './006_list_indexes.js';
import * as m008 from './008_one_live_per_candidate_job.js';
import * as m009 from './009_application_stage_label.js';
import * as m010 from './010_application_stage_label_time.js';
import * as m011 from './011_sign_in.js';
import * as m012 from './012_jobs_posting.js';
import * as m013 from './013_candidate_profiles.js';
import * as m014 from './014_people.js';
import * as m015 from './015_job_recruiters.js';
import * as m016 from './016_company_terms.js';
import * as m017 from './017_payout_accounts.js';
import * as m018 from './018_platform_fee.js';
import * as m019 from './019_money_in.js';

/**
 * Migrations listed statically (not discovered on disk) so the same list works under
 * tsx, vitest and a bundled build alike. Append new migrations here in order.
 */
const migrations: Record<string, Knex.Migration> = {
  '001_foundation': m001,
  '002_placements_payouts': m002,
  '003_candidate_ownership': m003,
  '004_automation': m004,
  '005_ats_sync': m005,
  '006_list_indexes': m006,
  '008_one_live_per_candidate_job': m008,
  '009_application_stage_label': m009,
  '010_application_stage_label_time': m010,
  '011_sign_in': m011,
  '012_jobs_posting': m012,
  '013_candidate_profiles': m013,
  '014_people': m014,
  '015_job_recruiters': m015,
  '016_company_terms': m016,
  '017_payout_accounts': m017,
  '018_platform_fee': m018,
  '019_money_in': m019,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations),
  getMigrationName: (name) => name,
  getMigration: async (name) => {
    const migration = migrations[name];
    if (!migration) throw new Error(`unknown migration ${name}`);
    return migration;
  },
};
