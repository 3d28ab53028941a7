import type { Db, Executor } from '../../lib/db.js';
import type { AutomationAction, Condition } from '../../domain/automation-rules.js';
import type { ApproverRole, ExecutionStatus } from '../../domain/automation.js';
import { type Keyset, newestFirst } from './keyset.js';
import { insertOnce } from './once.js';
import { type AllTables, refinedTable, table } from './tables.js';

/*
 * The automation tables' jsonb columns hold what this module wrote (JSON text in, parsed
 * values out); the schema cannot type them, so their reads refine just those columns.
 */
export type RuleRow = Omit<AllTables['automation_rules'], 'conditions' | 'actions'> & {
  conditions: Condition | null;
  actions: AutomationAction[];
};
export type DomainEventRow = Omit<AllTables['domain_events'], 'data'> & { data: Record<string, unknown> };
export type ExecutionRow = Omit<AllTables['automation_executions'], 'actions_taken'> & { actions_taken: unknown[] };
export type ApprovalRow = Omit<AllTables['automation_approvals'], 'summary'> & { summary: Record<string, unknown> };
export type TaskRow = AllTables['recruiter_tasks'];

const rules = (trx: Executor) => refinedTable<'automation_rules', RuleRow>(trx, 'automation_rules');
const executions = (trx: Executor) => refinedTable<'automation_executions', ExecutionRow>(trx, 'automation_executions');
const approvals = (trx: Executor) => refinedTable<'automation_approvals', ApprovalRow>(trx, 'automation_approvals');

/** Who may see what: a company's rows, or (no company) every row. */
export interface CompanyScope {
  companyId?: string;
}

export interface ExecutionFilter extends Keyset, CompanyScope {
  ruleId?: string;
  status?: ExecutionStatus;
  from?: Date;
  to?: Date;
  entityType?: string;
  entityId?: string;
}

export interface ApprovalFilter extends Keyset, CompanyScope {
  status?: ApprovalRow['status'];
  approverRole?: ApproverRole;
}

const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

export const automationDal = (db: Db) => ({
  // ---- rules ----
  async insertRule(row: Omit<RuleRow, 'deleted_at'>, trx: Executor = db): Promise<RuleRow> {
    const [stored] = await rules(trx)
      .insert({ ...row, conditions: json(row.conditions), actions: json(row.actions) } as never)
      .returning('*');
    return stored!;
  },

  async updateRule(
    id: string,
    patch: Partial<Omit<RuleRow, 'id' | 'company_id' | 'created_at'>>,
    trx: Executor = db,
  ): Promise<RuleRow | undefined> {
    const encoded = {
      ...patch,
      ...('conditions' in patch && { conditions: json(patch.conditions) }),
      ...(patch.actions && { actions: json(patch.actions) }),
    };
    const [stored] = await rules(trx)
      .where({ id })
      .whereNull('deleted_at')
      .update(encoded as never)
      .returning('*');
    return stored;
  },

  findRule: (id: string, trx: Executor = db) => rules(trx).where({ id }).whereNull('deleted_at').first(),

  listRules(filter: Keyset & CompanyScope & { triggerEvent?: string; enabled?: boolean }, trx: Executor = db): Promise<RuleRow[]> {
    const q = rules(trx).whereNull('deleted_at');
    if (filter.companyId) q.where({ company_id: filter.companyId });
    if (filter.triggerEvent) q.where({ trigger_event: filter.triggerEvent });
    if (filter.enabled !== undefined) q.where({ enabled: filter.enabled });
    return newestFirst(q, filter);
  },

  /** The enabled rules an event triggers: its company's and the marketplace-wide ones. */
  rulesListening(type: string, companyId: string | null, trx: Executor = db): Promise<RuleRow[]> {
    return rules(trx)
      .where({ trigger_event: type, enabled: true })
      .whereNull('deleted_at')
      .andWhere((w) => {
        w.whereNull('company_id');
        if (companyId) w.orWhere({ company_id: companyId });
      })
      .orderBy('created_at')
      .orderBy('id');
  },

  // ---- events and executions ----
  /** Stores an event once; false when its key was already stored (a retried publish). */
  async insertEvent(row: DomainEventRow, trx: Executor = db): Promise<boolean> {
    const { inserted } = await insertOnce(trx, 'domain_events', { ...row, data: json(row.data) }, { key: ['event_key'] });
    return inserted;
  },

  async insertExecution(
    row: Pick<
      ExecutionRow,
      | 'id'
      | 'rule_id'
      | 'event_id'
      | 'company_id'
      | 'trigger_event'
      | 'entity_type'
      | 'entity_id'
      | 'status'
      | 'rule_snapshot'
      | 'workflow_id'
      | 'created_at'
    >,
    trx: Executor = db,
  ): Promise<void> {
    await insertOnce(trx, 'automation_executions', { ...row, rule_snapshot: json(row.rule_snapshot) }, { key: ['event_id', 'rule_id'] });
  },

  executionsOfEvent: (eventId: string, trx: Executor = db) =>
    executions(trx).where({ event_id: eventId }).orderBy('created_at').orderBy('id'),

  findExecution: (id: string, trx: Executor = db) => executions(trx).where({ id }).first(),

  listExecutions(filter: ExecutionFilter, trx: Executor = db): Promise<ExecutionRow[]> {
    const q = executions(trx);
    if (filter.companyId) q.where({ company_id: filter.companyId });
    if (filter.ruleId) q.where({ rule_id: filter.ruleId });
    if (filter.status) q.where({ status: filter.status });
    if (filter.entityType) q.where({ entity_type: filter.entityType });
    if (filter.entityId) q.where({ entity_id: filter.entityId });
    if (filter.from) q.where('created_at', '>=', filter.from);
    if (filter.to) q.where('created_at', '<', filter.to);
    return newestFirst(q, filter);
  },

  // ---- approvals ----
  findApproval: (id: string, trx: Executor = db) => approvals(trx).where({ id }).first(),

  listApprovals(filter: ApprovalFilter, trx: Executor = db): Promise<ApprovalRow[]> {
    const q = approvals(trx);
    if (filter.companyId) q.where({ company_id: filter.companyId });
    if (filter.status) q.where({ status: filter.status });
    if (filter.approverRole) q.where({ approver_role: filter.approverRole });
    return newestFirst(q, filter, 'automation_approvals', 'requested_at');
  },

  // ---- tasks ----
  listTasks(filter: Keyset & { recruiterId?: string; status?: TaskRow['status'] }, trx: Executor = db): Promise<TaskRow[]> {
    const q = table(trx, 'recruiter_tasks');
    if (filter.recruiterId) q.where({ recruiter_id: filter.recruiterId });
    if (filter.status) q.where({ status: filter.status });
    return newestFirst(q, filter);
  },

  companyExists: async (id: string, trx: Executor = db) => !!(await table(trx, 'companies').where({ id }).first('id')),

  // ---- execution steps (the automation workflow's activities) ----
  async recordConditions(executionId: string, met: boolean, trace: unknown, trx: Executor = db) {
    await table(trx, 'automation_executions')
      .where({ id: executionId })
      .update({ conditions_met: met, condition_trace: JSON.stringify(trace) });
  },

  /** The approval request (once by the execution's id), and the execution waiting for it. */
  async openApproval(
    row: Pick<ApprovalRow, 'id' | 'company_id' | 'approver_role' | 'summary' | 'requested_at' | 'expires_at'>,
    trx: Executor = db,
  ) {
    await insertOnce(trx, 'automation_approvals', { ...row, status: 'pending', summary: JSON.stringify(row.summary) }, { key: ['id'] });
    await table(trx, 'automation_executions').where({ id: row.id, status: 'pending' }).update({ status: 'awaiting_approval' });
  },

  /** The approval under a row lock, for its one answer. */
  lockApproval: (id: string, trx: Executor) => approvals(trx).where({ id }).forUpdate().first(),

  /**
   * The approval's answer, the execution's next status, and the decision's audit row (a plain
   * insert: the caller's lock and status check make it once, and a second would be a bug).
   */
  async answerApproval(
    id: string,
    answer: Pick<ApprovalRow, 'status' | 'decided_by_user_id' | 'decided_by_role' | 'comment' | 'decided_at'>,
    executionStatus: ExecutionStatus,
    decision: Partial<AllTables['decision_audit_log']>,
    trx: Executor = db,
  ) {
    await table(trx, 'automation_approvals').where({ id }).update(answer);
    await table(trx, 'automation_executions').where({ id }).update({ status: executionStatus });
    await table(trx, 'decision_audit_log').insert(decision);
  },

  /** The execution's final record; its duration is measured in the database from its `created_at`. */
  async finishExecution(
    id: string,
    end: Pick<ExecutionRow, 'status' | 'conditions_met' | 'actions_taken' | 'error' | 'finished_at'>,
    trx: Executor = db,
  ) {
    await table(trx, 'automation_executions')
      .where({ id })
      .update({
        ...end,
        actions_taken: JSON.stringify(end.actions_taken),
        duration_ms: trx.raw('greatest(0, round(extract(epoch from (?::timestamptz - created_at)) * 1000))::int', [
          end.finished_at!.toISOString(),
        ]),
      });
  },

  /** The application with its job's company, locked for a stage move. */
  lockApplicationWithCompany: (id: string, trx: Executor) =>
    table(trx, 'applications')
      .join('jobs', 'jobs.id', 'applications.job_id')
      .where('applications.id', id)
      .forUpdate('applications')
      .first<(AllTables['applications'] & { company_id: string }) | undefined>('applications.*', 'jobs.company_id'),

  stageMoveRecorded: async (key: string, trx: Executor = db) =>
    !!(await table(trx, 'application_stage_history').where({ change_key: key }).first('id')),

  recruiterExists: async (id: string, trx: Executor = db) => !!(await table(trx, 'recruiters').where({ id }).first('id')),

  /** A follow-up task, once by its key. */
  async createTask(row: Omit<TaskRow, 'status'> & { task_key: string }, trx: Executor = db) {
    await insertOnce(trx, 'recruiter_tasks', { ...row, status: 'open' }, { key: ['task_key'] });
  },
});
