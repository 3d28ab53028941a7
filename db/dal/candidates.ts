import type { Db, Executor } from '../../lib/db.js';
import type { SourcerRow } from './sourcing.js';
import { table } from './tables.js';

/** A candidate's profile columns (product §3.9); the search vector stays in the database. */
export interface CandidateProfileRow {
  id: string;
  full_name: string;
  email: string | null;
  email_normalized: string | null;
  phone: string | null;
  phone_normalized: string | null;
  location: string | null;
  headline: string | null;
  linkedin_url: string | null;
  notes: string | null;
  skills: string[];
  created_by_recruiter_id: string | null;
  source_integration_id: string | null;
  created_at: Date;
  updated_at: Date;
  erased_at: Date | null;
  deleted_at: Date | null;
}

export type CandidateProfileInput = Pick<
  CandidateProfileRow,
  'full_name' | 'email' | 'phone' | 'phone_normalized' | 'location' | 'headline' | 'linkedin_url' | 'notes' | 'skills'
>;

export interface CandidateFileRow {
  id: string;
  candidate_id: string;
  uploaded_by_user_id: string | null;
  kind: 'cv';
  original_filename: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  created_at: Date;
}

/** A search hit: the profile, its rank as Postgres wrote it (a real, kept as text so a cursor round-trips exactly). */
export type CandidateHit = CandidateProfileRow & { rank: string };

const PROFILE_COLUMNS = [
  'id',
  'full_name',
  'email',
  'email_normalized',
  'phone',
  'phone_normalized',
  'location',
  'headline',
  'linkedin_url',
  'notes',
  'skills',
  'created_by_recruiter_id',
  'source_integration_id',
  'created_at',
  'updated_at',
  'erased_at',
  'deleted_at',
] as const;
const FILE_COLUMNS = [
  'id',
  'candidate_id',
  'uploaded_by_user_id',
  'kind',
  'original_filename',
  'content_type',
  'size_bytes',
  'sha256',
  'created_at',
] as const;

// Untyped builder: the columns are listed, the row type is CandidateProfileRow's (search_vector and ATS internals left out).
const profiles = (trx: Executor) => trx('candidates').select(PROFILE_COLUMNS.map((c) => `candidates.${c}`));

/**
 * Search words → a prefix tsquery (`ada:* & lovelace:*`). Only letters and digits reach
 * to_tsquery, so no input can be a tsquery syntax error; no word → undefined.
 */
export function prefixQuery(q: string): string | undefined {
  const words =
    q
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu)
      ?.slice(0, 10) ?? [];
  return words.length ? words.map((w) => `${w}:*`).join(' & ') : undefined;
}

export const candidatesDal = (db: Db) => ({
  profile: (id: string, trx: Executor = db): Promise<CandidateProfileRow | undefined> =>
    profiles(trx).where('candidates.id', id).first() as Promise<CandidateProfileRow | undefined>,

  /**
   * Serialises creates and edits that could collide on the same e-mail or phone key, so two
   * concurrent adds of one person cannot both pass the duplicate check. Held to the transaction's end.
   */
  async lockKeys(keys: (string | null)[], trx: Executor): Promise<void> {
    for (const key of keys.filter((k): k is string => !!k).sort()) {
      await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`candidate-key:${key}`]);
    }
  },

  /** Live (not erased, not ATS-deleted) candidates with the same e-mail or phone key, oldest first, with their sourcing claim. */
  async duplicates(
    keys: { email: string | null; phone: string | null },
    exceptId: string | undefined,
    trx: Executor = db,
  ): Promise<(CandidateProfileRow & { sourcer: SourcerRow | null })[]> {
    if (!keys.email && !keys.phone) return [];
    const q = profiles(trx)
      .select(trx.raw('(select to_jsonb(cs) from candidate_sourcers cs where cs.candidate_id = candidates.id) as sourcer'))
      .whereNull('candidates.erased_at')
      .whereNull('candidates.deleted_at')
      .where((w) => {
        if (keys.email) w.orWhere('candidates.email_normalized', keys.email);
        if (keys.phone) w.orWhere('candidates.phone_normalized', keys.phone);
      })
      .orderBy([{ column: 'candidates.created_at' }, { column: 'candidates.id' }]);
    if (exceptId) q.whereNot('candidates.id', exceptId);
    const rows = (await q) as unknown as (CandidateProfileRow & {
      sourcer: (Omit<SourcerRow, 'claimed_at' | 'protection_ends_at'> & { claimed_at: string; protection_ends_at: string }) | null;
    })[];
    // jsonb carries timestamps as strings; the protection rule compares Dates.
    return rows.map((r) => ({
      ...r,
      sourcer: r.sourcer && {
        ...r.sourcer,
        claimed_at: new Date(r.sourcer.claimed_at),
        protection_ends_at: new Date(r.sourcer.protection_ends_at),
      },
    }));
  },

  async insert(
    input: CandidateProfileInput & { created_by_recruiter_id: string | null },
    trx: Executor = db,
  ): Promise<CandidateProfileRow> {
    const [row] = await trx('candidates')
      .insert(input)
      .returning([...PROFILE_COLUMNS]);
    return row as CandidateProfileRow;
  },

  async update(id: string, patch: Partial<CandidateProfileInput>, trx: Executor = db): Promise<CandidateProfileRow> {
    const [row] = await trx('candidates')
      .where({ id })
      .update({ ...patch, updated_at: trx.fn.now() })
      .returning([...PROFILE_COLUMNS]);
    return row as CandidateProfileRow;
  },

  /**
   * Full-text search (product §3.9): best rank first, ties newest first then by id, keyset-paged
   * on (rank, created_at, id) so a page boundary inside a tie neither repeats nor skips.
   */
  search(
    filter: { tsquery: string; after?: { rank: string; createdAt: Date; id: string }; limit: number },
    trx: Executor = db,
  ): Promise<CandidateHit[]> {
    const rank = trx.raw(`ts_rank(candidates.search_vector, to_tsquery('simple', ?))`, [filter.tsquery]);
    const q = profiles(trx)
      .select(trx.raw('?::text as rank', [rank]))
      .whereNull('candidates.deleted_at')
      .whereNull('candidates.erased_at')
      .whereRaw(`candidates.search_vector @@ to_tsquery('simple', ?)`, [filter.tsquery]);
    if (filter.after) {
      const a = filter.after;
      // Rank descending, then created_at descending, id descending: "strictly after" in that order.
      q.whereRaw(`(? < ?::real or (? = ?::real and (candidates.created_at, candidates.id) < (?, ?)))`, [
        rank,
        a.rank,
        rank,
        a.rank,
        a.createdAt,
        a.id,
      ]);
    }
    return q.orderByRaw('? desc, candidates.created_at desc, candidates.id desc', [rank]).limit(filter.limit) as unknown as Promise<
      CandidateHit[]
    >;
  },

  files: (candidateId: string, trx: Executor = db): Promise<CandidateFileRow[]> =>
    trx<CandidateFileRow>('candidate_files')
      .where({ candidate_id: candidateId })
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .select(FILE_COLUMNS),

  /** The newest CV with its bytes. */
  latestCv: (candidateId: string, trx: Executor = db): Promise<(CandidateFileRow & { content: Buffer }) | undefined> =>
    trx<CandidateFileRow & { content: Buffer }>('candidate_files')
      .where({ candidate_id: candidateId, kind: 'cv' })
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .first([...FILE_COLUMNS, 'content']),

  async insertFile(
    file: Omit<CandidateFileRow, 'id' | 'created_at' | 'kind'> & { content: Buffer },
    trx: Executor = db,
  ): Promise<CandidateFileRow> {
    const [row] = await trx('candidate_files')
      .insert({ ...file, kind: 'cv' })
      .returning([...FILE_COLUMNS]);
    return row as CandidateFileRow;
  },

  /** Everything held about a candidate, table by table, for a data-subject export. */
  async personalData(id: string, trx: Executor = db) {
    // Whole rows of whichever table, as the export shows them.
    const byCandidate = async (
      name: 'candidate_role_assignments' | 'applications' | 'placements' | 'candidate_sourcers',
    ): Promise<object[]> => trx(name).where({ candidate_id: id }).orderBy('id');
    const outreach = await table(trx, 'candidate_outreach').where({ candidate_id: id }).orderBy('id');
    return {
      proposals: await byCandidate('candidate_role_assignments'),
      applications: await byCandidate('applications'),
      placements: await byCandidate('placements'),
      sourcing: await byCandidate('candidate_sourcers'),
      outreach,
      outreachEvents: outreach.length
        ? await table(trx, 'candidate_outreach_events')
            .whereIn(
              'outreach_id',
              outreach.map((o) => o.id),
            )
            .orderBy('id')
        : [],
      marketplaceEvents: await table(trx, 'marketplace_events').where({ candidate_id: id }).orderBy('id'),
      domainEvents: await table(trx, 'domain_events').where({ entity_id: id }).orderBy('occurred_at'),
    };
  },

  /**
   * Erasure (product §3.9): the profile's personal fields anonymised, files deleted, sent
   * outreach's address and text redacted; proposals, placements, payouts and every history
   * keep pointing at the (now anonymous) row. Returns whether this call erased it (false: already erased).
   */
  async erase(id: string, erasedName: string, actor: { userId: string; role: string }, trx: Executor): Promise<boolean> {
    const erased = await trx('candidates').where({ id }).whereNull('erased_at').update({
      full_name: erasedName,
      email: null,
      phone: null,
      phone_normalized: null,
      location: null,
      headline: null,
      linkedin_url: null,
      notes: null,
      skills: [],
      erased_at: trx.fn.now(),
      updated_at: trx.fn.now(),
    });
    await trx('candidate_files').where({ candidate_id: id }).delete();
    await trx('candidate_outreach').where({ candidate_id: id }).update({ to_email: 'erased', subject: '[erased]', body: '[erased]' });
    // The audit record: once per candidate (a repeated erase finds it there), naming who erased, nothing erased.
    await trx('marketplace_events')
      .insert({
        type: 'candidate_erased',
        candidate_id: id,
        actor_user_id: actor.userId,
        actor_role: actor.role,
        details: null,
        occurred_at: trx.fn.now(),
        event_key: `candidate_erased:${id}`,
      })
      .onConflict('event_key')
      .ignore();
    return erased > 0;
  },
});
