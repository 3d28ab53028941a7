/**
 * People (product §3.10): company admins manage their company's people, platform admins
 * everyone's. `#/people` lists them (name, e-mail, role, status, who invited them) with
 * filters, and holds the invitation form (platform admins also choose the company, and
 * onboard recruiters); `#/people/:id` is one person: their role, resending an invitation
 * still unused, deactivating (with an optional reason) and reactivating, and the history of
 * their account with the names of whoever changed it. The API's 400 details and refusals
 * (an address already taken, the company's last admin) appear by their fields.
 */
/** @import { Body, Item, Ok, Query } from '../api-client' */
/** @typedef {Item<'/people'>} Person */
/** @typedef {Ok<'/people/{id}/changes'>['items'][number]} PersonChange */
/** @typedef {Item<'/companies'>} Company */
/** @typedef {Body<'/people/invitations', 'post'>['role']} CompanyRole */
/** @typedef {import('./form.js').FormField} FormField */
/** @typedef {ReturnType<typeof formErrors>} FormErrors */
import { ApiError, asError, fetchItems, isAbort, newIdempotencyKey, request } from '../api.js';
import { fill, h } from '../dom.js';
import { actorLabel, formatDateTime, humanize, roleLabel } from '../format.js';
import { errorAlert, loading, notice } from './components.js';
import { formErrors, formField, select } from './form.js';
import { filterSelect, listTable, liveList } from './live-list.js';

/** @type {Record<Person['status'], string>} */
export const PERSON_STATUS_LABELS = { invited: 'Invited', active: 'Active', deactivated: 'Deactivated' };

/** @type {CompanyRole[]} the roles a company's people are invited to and switch between */
const COMPANY_ROLES = ['company_admin', 'hiring_manager'];

/** @satisfies {Record<PersonChange['change'], string>} */
const CHANGE_LABELS = {
  invited: 'Invited',
  invitation_resent: 'Invitation sent again',
  role_changed: 'Role changed',
  deactivated: 'Deactivated',
  reactivated: 'Reactivated',
  company_created: 'Company created with this admin',
  signed_in_first_time: 'Signed in for the first time',
};

/** Who may open these pages. @param {string} role */
const managesPeople = (role) => role === 'company_admin' || role === 'platform_admin';

/** @param {Person['status']} status */
export const personStatusBadge = (status) =>
  h(
    'span',
    { class: `badge badge-person-${status}`, 'data-testid': 'person-status', 'data-state': status },
    PERSON_STATUS_LABELS[status] ?? status,
  );

/** An address that may break after its `@` and before its dots, never inside a word (a long one fits a narrow column). @param {string} email */
export const emailText = (email) => email.split(/(?<=@)|(?=\.)/).flatMap((part, i) => (i === 0 ? [part] : [h('wbr'), part]));

/** "Carol · 3 Dec 2026" or a dash for someone never invited (seeded, or created with their company). @param {Person} p */
const invitedText = (p) => (p.invitedAt ? [p.invitedByName ?? 'The platform', formatDateTime(p.invitedAt)].join(' · ') : '—');

/** @type {Record<string, string>} how the audit's fields read */
const FIELD_LABELS = {
  email: 'E-mail',
  displayName: 'Display name',
  sessionsRevoked: 'Sessions ended',
  apiKeysRevoked: 'API keys revoked',
  linksRevoked: 'Unused links revoked',
};

/** One audited value as a person reads it: a role or status by its label, nothing as a dash. @param {string} field @param {unknown} value */
function valueText(field, value) {
  if (value === null || value === undefined || value === '') return '—';
  if (field === 'role') return roleLabel(String(value));
  if (field === 'status') return PERSON_STATUS_LABELS[/** @type {Person['status']} */ (value)] ?? String(value);
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/**
 * The fields a change touched, one line each: "Role: Hiring manager → Company admin", or the value alone when it is new.
 * @param {PersonChange} c
 */
function changedFields(c) {
  const fields = [...new Set([...Object.keys(c.old ?? {}), ...Object.keys(c.new ?? {})])];
  return fields.map((field) => {
    const label = FIELD_LABELS[field] ?? humanize(field);
    const now = valueText(field, c.new?.[field]);
    const text = c.old && field in c.old ? `${label}: ${valueText(field, c.old[field])} → ${now}` : `${label}: ${now}`;
    return h('li', { 'data-testid': 'person-change-value', 'data-field': field }, text);
  });
}

/**
 * A form field whose id (and test id) is prefixed, so two forms on one page may both ask for an e-mail;
 * `key` stays the API's field name for its errors.
 * @param {string} prefix @param {{ name: string, label: string, hint?: string, control: Parameters<typeof formField>[0]['control'] }} options
 */
const prefixed = (prefix, { name, ...rest }) => formField({ name: `${prefix}-${name}`, ...rest });

/** @param {Record<string, string>} [extra] */
const textInput =
  (type = 'text', extra = {}) =>
  (/** @type {Record<string, string | undefined>} */ a) =>
    h('input', { ...a, type, autocomplete: 'off', ...extra });

/**
 * An API refusal shown by its field: validation details by their paths, an address already in
 * use beside the e-mail, anything else in the form's alert.
 * @param {FormErrors} errors @param {unknown} caught @param {string} [emailPath]
 */
export function showFormError(errors, caught, emailPath = 'email') {
  const err = caught instanceof ApiError ? caught : new ApiError(0, 'unknown', asError(caught).message || 'Something went wrong.');
  if (err.code === 'email_taken') {
    errors.show(new ApiError(err.status, err.code, 'Please correct the highlighted fields.'));
    errors.showIssues([{ path: emailPath.split('.'), message: err.message }]);
    return;
  }
  errors.show(err);
}

/**
 * The invitation form: name, e-mail, role and, for platform admins, the company.
 * @param {{ companies: Company[] | null, companyId: string, onInvited: (person: Person) => void }} options
 */
function inviteForm({ companies, companyId, onInvited }) {
  /** @type {{ name: FormField, email: FormField, role: FormField, companyId?: FormField }} */
  const fields = {
    name: prefixed('invite', { name: 'name', label: 'Name', control: textInput('text', { maxlength: '200' }) }),
    email: prefixed('invite', {
      name: 'email',
      label: 'E-mail',
      hint: 'The invitation, a sign-in link valid for 7 days, goes here.',
      control: textInput('email', { autocapitalize: 'off', spellcheck: 'false' }),
    }),
    role: prefixed('invite', {
      name: 'role',
      label: 'Role',
      control: select(
        null,
        COMPANY_ROLES.map((r) => [r, roleLabel(r)]),
      ),
    }),
  };
  if (companies) {
    fields.companyId = prefixed('invite', {
      name: 'companyId',
      label: 'Company',
      control: select(
        'Choose a company…',
        companies.map((c) => [c.id, c.name]),
      ),
    });
    fields.companyId.input.value = companyId;
  }
  fields.role.input.value = 'hiring_manager';
  const alertSlot = h('div', { class: 'slot' });
  const errors = formErrors(alertSlot, () => fields);
  const submit = h('button', { type: 'submit', class: 'button button-primary', 'data-testid': 'submit-invite' }, 'Send the invitation');
  let key = newIdempotencyKey();

  /** @param {SubmitEvent} event */
  async function onSubmit(event) {
    event.preventDefault();
    errors.clear();
    if (fields.companyId && !fields.companyId.input.value) {
      errors.showIssues([{ path: ['companyId'], message: 'Choose the company they join.' }]);
      return;
    }
    /** @type {Body<'/people/invitations', 'post'>} */
    const body = {
      name: fields.name.input.value,
      email: fields.email.input.value,
      role: /** @type {CompanyRole} */ (fields.role.input.value),
      ...(fields.companyId && { companyId: fields.companyId.input.value }),
    };
    submit.disabled = true;
    try {
      const person = await request('/people/invitations', { method: 'post', body, idempotencyKey: key });
      key = newIdempotencyKey();
      fields.name.input.value = fields.email.input.value = '';
      fill(alertSlot, notice(`${person.name} is invited: the invitation is on its way to ${person.email}.`));
      onInvited(person);
    } catch (caught) {
      showFormError(errors, caught);
    } finally {
      submit.disabled = false;
    }
  }

  return h(
    'form',
    { class: 'card', novalidate: true, onsubmit: onSubmit, 'data-testid': 'invite-form', 'aria-labelledby': 'invite-title' },
    h('h2', { id: 'invite-title' }, 'Invite someone'),
    alertSlot,
    h('div', { class: 'field-row' }, fields.name.el, fields.email.el, fields.role.el, fields.companyId?.el),
    h('div', { class: 'actions' }, submit),
  );
}

/**
 * Platform admins: a recruiter joins the marketplace (their account and recruiter profile), invited by e-mail.
 * @param {{ onInvited: (person: Person) => void }} options
 */
function recruiterForm({ onInvited }) {
  const fields = {
    name: prefixed('recruiter', { name: 'name', label: 'Name', control: textInput('text', { maxlength: '200' }) }),
    email: prefixed('recruiter', {
      name: 'email',
      label: 'E-mail',
      control: textInput('email', { autocapitalize: 'off', spellcheck: 'false' }),
    }),
    displayName: prefixed('recruiter', {
      name: 'displayName',
      label: 'Display name (optional)',
      hint: 'How companies see them on proposals and payouts; their name when left empty.',
      control: textInput('text', { maxlength: '200' }),
    }),
  };
  const alertSlot = h('div', { class: 'slot' });
  const errors = formErrors(alertSlot, () => fields);
  const submit = h(
    'button',
    { type: 'submit', class: 'button button-primary', 'data-testid': 'submit-recruiter' },
    'Onboard the recruiter',
  );
  let key = newIdempotencyKey();

  /** @param {SubmitEvent} event */
  async function onSubmit(event) {
    event.preventDefault();
    errors.clear();
    const displayName = fields.displayName.input.value.trim();
    /** @type {Body<'/recruiters/invitations', 'post'>} */
    const body = { name: fields.name.input.value, email: fields.email.input.value, ...(displayName && { displayName }) };
    submit.disabled = true;
    try {
      const person = await request('/recruiters/invitations', { method: 'post', body, idempotencyKey: key });
      key = newIdempotencyKey();
      Object.values(fields).forEach((f) => (f.input.value = ''));
      fill(alertSlot, notice(`${person.name} is onboarded as a recruiter: the invitation is on its way to ${person.email}.`));
      onInvited(person);
    } catch (caught) {
      showFormError(errors, caught);
    } finally {
      submit.disabled = false;
    }
  }

  return h(
    'form',
    { class: 'card', novalidate: true, onsubmit: onSubmit, 'data-testid': 'recruiter-form', 'aria-labelledby': 'recruiter-title' },
    h('h2', { id: 'recruiter-title' }, 'Onboard a recruiter'),
    alertSlot,
    h('div', { class: 'field-row' }, fields.name.el, fields.email.el),
    fields.displayName.el,
    h('div', { class: 'actions' }, submit),
  );
}

/** @param {HTMLElement} root @param {import('./types').ViewContext} ctx */
export async function peopleView(root, { me, query, signal, navigate, flash }) {
  document.title = 'People · Splits';
  if (!managesPeople(me.role)) {
    fill(root, h('h1', {}, 'People'), errorAlert('Only company admins and platform admins manage people.'));
    return;
  }
  const platform = me.role === 'platform_admin';
  const status = query.get('status') ?? '';
  const role = query.get('role') ?? '';
  const companyId = platform ? (query.get('companyId') ?? '') : '';

  /** @type {Company[] | null} */
  let companies = null;
  if (platform) {
    root.append(loading('Loading the companies…'));
    try {
      companies = (await fetchItems('/companies', { count: 500, signal })).items;
    } catch (caught) {
      const err = asError(caught);
      if (isAbort(err)) return;
      fill(root, h('h1', {}, 'People'), errorAlert(`Could not load the companies: ${err.message}`));
      return;
    }
  }
  const company = companies?.find((c) => c.id === companyId);

  /** @type {Query<'/people', 'get'>} */
  const apiQuery = {
    status: /** @type {Query<'/people', 'get'>['status']} */ (status || undefined),
    role: /** @type {Query<'/people', 'get'>['role']} */ (role || undefined),
    companyId: companyId || undefined,
  };
  const headings = /** @type {string[]} */ (['Name', 'E-mail', 'Role', platform && 'Company', 'Status', 'Invited by'].filter(Boolean));
  const { table, tbody } = listTable('people-list', headings);
  const list = liveList({
    path: '/people',
    query: apiQuery,
    signal,
    render: row,
    container: tbody,
    frame: table,
    noun: 'people',
    empty: status || role ? ['Nobody matches', 'Try other filters.'] : ['Nobody yet', 'Invite the first person below.'],
  });

  /** @param {Record<string, string>} change */
  const pathFor = (change) => {
    const params = new URLSearchParams(Object.entries({ status, role, companyId, ...change }).filter(([, v]) => v));
    const qs = params.toString();
    return qs ? `/people?${qs}` : '/people';
  };
  const roles = platform ? [...COMPANY_ROLES, 'recruiter', 'platform_admin'] : COMPANY_ROLES;
  const filters = h(
    'div',
    { class: 'card filters', 'data-testid': 'people-filters' },
    filterSelect({
      id: 'people-filter-status',
      label: 'Status',
      value: status,
      options: [['', 'Any'], ...Object.entries(PERSON_STATUS_LABELS)],
      navigate,
      pathFor: (v) => pathFor({ status: v }),
    }),
    filterSelect({
      id: 'people-filter-role',
      label: 'Role',
      value: role,
      options: [['', 'Any'], ...roles.map((r) => [r, roleLabel(r)])],
      navigate,
      pathFor: (v) => pathFor({ role: v }),
    }),
    company &&
      h(
        'p',
        { class: 'muted', 'data-testid': 'people-company' },
        `At ${company.name} · `,
        h('a', { href: `#${pathFor({ companyId: '' })}` }, 'everyone'),
      ),
  );

  const onInvited = () => void list.reload();
  const invite = inviteForm({ companies, companyId, onInvited });
  const onboard = platform && recruiterForm({ onInvited });
  /** The forms sit under the list: a button in the header takes you there. @param {HTMLElement} form @param {string} label @param {string} testid */
  const jumpTo = (form, label, testid) =>
    h('button', { type: 'button', class: 'button', 'data-testid': testid, onclick: () => form.querySelector('input')?.focus() }, label);
  fill(
    root,
    h(
      'section',
      {},
      h(
        'div',
        { class: 'page-header' },
        h('h1', {}, company ? `People at ${company.name}` : 'People'),
        h(
          'div',
          { class: 'actions' },
          jumpTo(invite, 'Invite someone', 'jump-invite'),
          onboard && jumpTo(onboard, 'Onboard a recruiter', 'jump-recruiter'),
          platform && h('a', { href: '#/companies', class: 'button', 'data-testid': 'open-companies' }, 'Companies'),
        ),
      ),
      flash && notice(flash),
      filters,
      list.element,
      invite,
      onboard,
    ),
  );

  /** @param {Person} p */
  function row(p) {
    return h(
      'tr',
      { 'data-testid': 'person-row', 'data-person-id': p.id, 'data-state': p.status },
      h(
        'td',
        { class: 'breakable' },
        h('a', { href: `#/people/${encodeURIComponent(p.id)}`, class: 'row-link', 'data-testid': 'person-link' }, p.name),
      ),
      h('td', { class: 'breakable' }, emailText(p.email)),
      h('td', { 'data-testid': 'person-role' }, roleLabel(p.role)),
      platform && h('td', {}, p.companyName ?? '—'),
      h('td', {}, personStatusBadge(p.status)),
      h('td', { class: 'breakable', 'data-testid': 'person-invited-by' }, invitedText(p)),
    );
  }

  await list.reload();
}

/** @param {HTMLElement} root @param {import('./types').ViewContext} ctx */
export async function personView(root, { me, params, signal, flash }) {
  document.title = 'Person · Splits';
  const back = h('a', { href: '#/people', class: 'back-link' }, '← People');
  if (!managesPeople(me.role)) {
    fill(root, back, errorAlert('Only company admins and platform admins manage people.'));
    return;
  }
  const alertSlot = h('div', { class: 'slot', 'data-testid': 'messages' }, flash && notice(flash));
  const body = h('div', {}, loading('Loading…'));
  fill(root, back, alertSlot, body);

  async function load() {
    try {
      const [person, changes] = await Promise.all([
        request('/people/{id}', { params: { id: params.id }, signal }),
        request('/people/{id}/changes', { params: { id: params.id }, signal }).then((r) => r.items),
      ]);
      render(person, changes);
    } catch (caught) {
      const err = asError(caught);
      if (!isAbort(err))
        fill(body, errorAlert(err.status === 404 ? 'There is no such person in your reach.' : `Could not load: ${err.message}`));
    }
  }

  /**
   * Runs one command, says what happened, and shows the person as they are now.
   * @param {() => Promise<unknown>} call @param {string} done @param {HTMLButtonElement} button
   */
  async function act(call, done, button) {
    button.disabled = true;
    fill(alertSlot);
    try {
      await call();
      fill(alertSlot, notice(done));
    } catch (caught) {
      const err = asError(caught);
      if (signal.aborted) return;
      fill(alertSlot, errorAlert(err.message));
      button.disabled = false;
    }
    await load();
  }

  /** @param {Person} p */
  function roleCard(p) {
    if (!COMPANY_ROLES.includes(/** @type {CompanyRole} */ (p.role)) || p.status === 'deactivated') return null;
    const roleSelect = h(
      'select',
      { id: 'person-role', 'data-testid': 'person-role-select' },
      COMPANY_ROLES.map((r) => h('option', { value: r, selected: r === p.role }, roleLabel(r))),
    );
    const save = h('button', { type: 'submit', class: 'button', 'data-testid': 'change-role' }, 'Change the role');
    return h(
      'form',
      {
        class: 'card',
        'data-testid': 'role-form',
        onsubmit: (/** @type {SubmitEvent} */ event) => {
          event.preventDefault();
          const next = /** @type {CompanyRole} */ (roleSelect.value);
          if (next === p.role) return;
          void act(
            () => request('/people/{id}', { method: 'patch', params: { id: p.id }, body: { role: next } }),
            `${p.name} is now ${roleLabel(next).toLowerCase()}.`,
            save,
          );
        },
      },
      h('h2', {}, 'Role'),
      h(
        'div',
        { class: 'toolbar' },
        h('div', { class: 'field' }, h('label', { for: 'person-role', class: 'visually-hidden' }, 'Role'), roleSelect),
        save,
      ),
    );
  }

  /** Deactivate asks for an optional reason and a second click; reactivate and resend act at once. @param {Person} p */
  function accessCard(p) {
    const self = p.id === me.userId;
    const items = [];
    if (p.status === 'invited') {
      const resend = h('button', { type: 'button', class: 'button', 'data-testid': 'resend-invitation' }, 'Send the invitation again');
      resend.onclick = () =>
        act(
          () => request('/people/{id}/resend-invitation', { method: 'post', params: { id: p.id }, idempotencyKey: newIdempotencyKey() }),
          `A new invitation is on its way to ${p.email}; the earlier link no longer works.`,
          resend,
        );
      items.push(h('div', { class: 'actions' }, resend, h('span', { class: 'muted' }, 'The invitation is not used yet.')));
    }
    if (p.status === 'deactivated') {
      const reactivate = h('button', { type: 'button', class: 'button button-primary', 'data-testid': 'reactivate' }, 'Reactivate');
      reactivate.onclick = () =>
        act(
          () => request('/people/{id}/reactivate', { method: 'post', params: { id: p.id }, idempotencyKey: newIdempotencyKey() }),
          `${p.name} can sign in again.`,
          reactivate,
        );
      items.push(
        h(
          'div',
          { class: 'actions' },
          reactivate,
          h('span', { class: 'muted' }, `Deactivated ${formatDateTime(p.deactivatedAt)}: they cannot sign in.`),
        ),
      );
    } else if (!self) {
      const slot = h('div', {});
      const open = h('button', { type: 'button', class: 'button button-danger', 'data-testid': 'deactivate' }, 'Deactivate…');
      const reason = h('textarea', { id: 'deactivate-reason', rows: 3, maxlength: 2000, 'data-testid': 'deactivate-reason' });
      const confirm = h(
        'button',
        { type: 'submit', class: 'button button-danger', 'data-testid': 'confirm-deactivate' },
        `Deactivate ${p.name}`,
      );
      const form = h(
        'form',
        {
          class: 'reason-form',
          'data-testid': 'deactivate-form',
          onsubmit: (/** @type {SubmitEvent} */ event) => {
            event.preventDefault();
            const text = reason.value.trim();
            void act(
              () =>
                request('/people/{id}/deactivate', {
                  method: 'post',
                  params: { id: p.id },
                  body: text ? { reason: text } : {},
                  idempotencyKey: newIdempotencyKey(),
                }),
              `${p.name} is deactivated: their sessions, API keys and links stop working.`,
              confirm,
            );
          },
        },
        h(
          'p',
          {},
          `${p.name} will be signed out everywhere and can no longer sign in; what they did stays, under their name. You can reactivate them later.`,
        ),
        h(
          'div',
          { class: 'field' },
          h('label', { for: 'deactivate-reason' }, 'Reason ', h('span', { class: 'muted' }, '(optional)')),
          reason,
        ),
        h(
          'div',
          { class: 'actions' },
          confirm,
          h(
            'button',
            { type: 'button', class: 'button button-ghost', 'data-testid': 'cancel-deactivate', onclick: () => fill(slot, open) },
            'Cancel',
          ),
        ),
      );
      open.onclick = () => {
        fill(slot, form);
        reason.focus();
      };
      items.push(fill(slot, open));
    } else {
      items.push(h('p', { class: 'muted' }, 'This is you: another admin can deactivate your account, you cannot.'));
    }
    return h('section', { class: 'card', 'data-testid': 'access' }, h('h2', {}, 'Access'), h('div', { class: 'stack' }, items));
  }

  /** @param {PersonChange} c */
  function changeEntry(c) {
    const fields = changedFields(c);
    return h(
      'li',
      { class: 'timeline-entry', 'data-testid': 'person-change', 'data-change': c.change },
      h('p', {}, h('strong', {}, CHANGE_LABELS[c.change] ?? c.change)),
      fields.length > 0 && h('ul', { class: 'change-fields' }, fields),
      h(
        'p',
        { class: 'muted' },
        h('span', { 'data-testid': 'person-change-actor' }, actorLabel(c)),
        ' · ',
        h('time', { datetime: c.occurredAt }, formatDateTime(c.occurredAt)),
      ),
      c.reason && h('blockquote', { class: 'reason', 'data-testid': 'person-change-reason' }, c.reason),
    );
  }

  /** @param {Person} p @param {PersonChange[]} changes */
  function render(p, changes) {
    document.title = `${p.name} · Splits`;
    const term = (/** @type {string} */ label, /** @type {string} */ value, /** @type {string} */ testid) => [
      h('dt', {}, label),
      h('dd', { 'data-testid': testid }, value),
    ];
    fill(
      body,
      h('div', { class: 'title-row' }, h('h1', { 'data-testid': 'person-name' }, p.name), personStatusBadge(p.status)),
      h(
        'section',
        { class: 'card' },
        h(
          'dl',
          { class: 'fields', 'data-testid': 'person-fields' },
          term('E-mail', p.email, 'person-email'),
          term('Role', roleLabel(p.role), 'person-role'),
          p.companyName && term('Company', p.companyName, 'person-company'),
          term('Invited', invitedText(p), 'person-invited'),
          term('Last signed in', p.lastSignedInAt ? formatDateTime(p.lastSignedInAt) : 'Never', 'person-last-sign-in'),
          p.deactivatedAt && term('Deactivated', formatDateTime(p.deactivatedAt), 'person-deactivated'),
          term('Account created', formatDateTime(p.createdAt), 'person-created'),
        ),
      ),
      roleCard(p),
      accessCard(p),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'person-history-title' },
        h('h2', { id: 'person-history-title' }, 'History'),
        changes.length
          ? h('ol', { class: 'timeline', 'data-testid': 'person-history' }, changes.map(changeEntry))
          : h('p', { class: 'muted' }, 'No changes recorded yet.'),
      ),
    );
  }

  await load();
}
