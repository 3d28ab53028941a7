/**
 * One candidate (product §3.4): who sourced them and until when they are protected, the
 * commands the signed-in user may give (claim, release early; platform admins extend the
 * protection or give it to another recruiter), and the outreach e-mails with their
 * delivery events. Sourcing and timeline refresh every 10 s, so webhook events and
 * others' commands appear by themselves; forms being typed into are left alone.
 *
 * The name comes from GET /candidates/:id in the background; until it answers, or if it
 * fails, the page shows the id.
 */
import { ApiError, asError, fetchItems, isAbort, newIdempotencyKey, request } from '../api.js';
import { fill, h, syncChildren } from '../dom.js';
import { formatDateTime, shortId } from '../format.js';
import { countdown, errorAlert, every, loading, notice, temporalLink } from './components.js';
import { formErrors, formField, issueList, select } from './form.js';
import { recruiterText, sourcingBadge, sourcingCommand, sourcingKey, sourcingLabel } from './candidates.js';

/** @import { Ok } from '../api-client' */
/** @import { FormField } from './form.js' */
/** @import { Recruiter } from './types' */
/** @import { Sourcing } from './candidates.js' */
/** @typedef {Ok<'/candidates/{id}/outreach'>} Timeline */
/** @typedef {Timeline['outreach'][number]} Outreach */

const REFRESH_MS = 10_000;
const SUBJECT_MAX = 200;
const BODY_MAX = 10_000;
const REASON_MAX = 2000;

/** @type {Record<string, string>} */
const EVENT_LABELS = {
  'email.sent': 'Sent',
  'email.delivered': 'Delivered',
  'email.delivery_delayed': 'Delivery delayed',
  'email.opened': 'Opened',
  'email.clicked': 'Link clicked',
  'email.bounced': 'Bounced',
  'email.complained': 'Marked as spam',
  'email.failed': 'Failed',
};

const eventLabel = (/** @type {string} */ type) => EVENT_LABELS[type] ?? type.replace(/^email\./, '').replaceAll('_', ' ');

/** An e-mail's status is its latest delivery event; with none yet, Resend has accepted it ("sent"). */
/** @param {Outreach} o */
function emailStatus(o) {
  const last = o.events.at(-1);
  return last ? { key: last.type.replace(/^email\./, ''), label: eventLabel(last.type) } : { key: 'sent', label: 'Sent' };
}

/** A term and its value; an empty value shows as a dash. */
/** @param {string} label @param {string} testid @param {...import('../dom.js').Child} value */
function field(label, testid, ...value) {
  const present = value.filter((v) => v !== undefined && v !== null && v !== false && v !== '');
  return [h('dt', {}, label), h('dd', { 'data-testid': testid }, present.length ? present : '—')];
}

/** One key per distinct request body: a retry after a lost answer is answered from the first try. */
function idempotencyKeys() {
  /** @type {{ key: string | null, body: string | null }} */
  let last = { key: null, body: null };
  return {
    /** @param {unknown} body @returns {string} */
    for(body) {
      const text = JSON.stringify(body);
      if (last.body !== text) last = { key: newIdempotencyKey(), body: text };
      return /** @type {string} */ (last.key);
    },
    reset() {
      last = { key: null, body: null };
    },
  };
}

const submitButton = (/** @type {string} */ testid, /** @type {string} */ label) =>
  h('button', { type: 'submit', class: 'button button-primary', 'data-testid': testid }, label);

/**
 * A form whose fields' API errors appear beside them. `send(values)` performs the request;
 * `done(result)` runs after success. Returns the <form>.
 * @template R
 * @param {{ testid: string, fields: Record<string, import('./form.js').FormField>, submit: HTMLButtonElement, send: () => Promise<R>, done: (result: R, alertSlot: HTMLElement) => unknown, cancel?: HTMLElement }} options
 */
function apiForm({ testid, fields, submit, send, done, cancel }) {
  const alertSlot = h('div', { class: 'slot' });
  const errors = formErrors(alertSlot, () => fields);
  const label = submit.textContent;
  /** @param {SubmitEvent} event */
  async function onsubmit(event) {
    event.preventDefault();
    errors.clear();
    submit.disabled = true;
    submit.textContent = 'Sending…';
    try {
      const result = await send();
      submit.disabled = false;
      submit.textContent = label;
      await done(result, alertSlot);
    } catch (err) {
      if (isAbort(err)) return;
      errors.show(err instanceof ApiError ? err : new ApiError(0, 'unknown', 'Something went wrong.'));
      submit.disabled = false;
      submit.textContent = label;
    }
  }
  return h(
    'form',
    { class: 'form reason-form', novalidate: true, onsubmit, 'data-testid': testid },
    alertSlot,
    Object.values(fields).map((f) => f.el),
    h('div', { class: 'actions' }, submit, cancel),
  );
}

const reasonField = (/** @type {string} */ name, /** @type {string} */ label, /** @type {boolean} */ required) =>
  formField({
    name,
    label: required ? label : h('span', {}, label, ' ', h('span', { class: 'muted' }, '(optional)')),
    control: (attrs) => h('textarea', { ...attrs, rows: 2, maxlength: REASON_MAX }),
  });

/** @param {HTMLElement} root @param {import('./types').ViewContext} ctx */
export async function candidateDetailView(root, { me, uiConfig, params, signal, flash }) {
  document.title = 'Candidate · Splits';
  const id = params.id;
  const recruiter = me.role === 'recruiter';
  const admin = me.role === 'platform_admin';
  const backLink = h('a', { href: '#/candidates', class: 'back-link' }, '← Candidates');
  if (!recruiter && !admin) {
    fill(root, backLink, h('h1', {}, 'Candidate'), notice('Only recruiters and platform admins can see candidates.', 'info'));
    return;
  }
  fill(root, backLink, loading('Loading candidate…'));

  /** @type {Sourcing} */
  let sourcing;
  /** @type {Timeline} */
  let timeline;
  try {
    [sourcing, timeline] = await Promise.all([
      request('/candidates/{id}/sourcing', { params: { id }, signal }),
      request('/candidates/{id}/outreach', { params: { id }, signal }),
    ]);
  } catch (caught) {
    const err = asError(caught);
    if (isAbort(err)) return;
    const message = err.status === 404 ? 'This candidate does not exist, or was removed.' : `Could not load the candidate: ${err.message}`;
    fill(root, backLink, errorAlert(message));
    return;
  }

  // --- Layout ----------------------------------------------------------------------

  const title = h('h1', { tabindex: -1, 'data-testid': 'candidate-title' }, `Candidate ${shortId(id)}`);
  const headerBadge = h('span', { class: 'slot' });
  const subtitle = h('p', { class: 'muted', 'data-testid': 'candidate-subtitle' }, h('code', { title: id }, id));
  const messages = h('div', { class: 'slot', 'data-testid': 'messages' }, flash && notice(flash));
  const sourcingFields = h('dl', { class: 'fields' });
  const sourcingActions = h('div', { 'data-testid': 'sourcing-actions' });
  const sourcingCard = h(
    'section',
    { class: 'card', 'aria-labelledby': 'sourcing-title', 'data-testid': 'sourcing-card' },
    h('h2', { id: 'sourcing-title' }, 'Sourcing'),
    sourcingFields,
    sourcingActions,
  );
  const firstContact = h('p', { class: 'muted', 'data-testid': 'first-contact' });
  const entries = h('ol', { class: 'timeline', 'data-testid': 'outreach-timeline' });
  const noEntries = h(
    'p',
    { class: 'muted', 'data-testid': 'outreach-empty' },
    recruiter ? 'You have not e-mailed this candidate yet.' : 'No outreach e-mails yet.',
  );
  const timelineAlert = h('div', { class: 'slot' });
  // Another recruiter's protection window closes outreach too (the API answers 409): the form gives way to a note.
  const outreachBlocked = h('p', { class: 'muted', 'data-testid': 'outreach-blocked', hidden: true });
  const outreachSection = recruiter && h('div', {}, h('h3', {}, 'Send outreach'), outreachBlocked, outreachForm());
  const outreachCard = h(
    'section',
    { class: 'card', 'aria-labelledby': 'outreach-title', 'data-testid': 'outreach-card' },
    h('h2', { id: 'outreach-title' }, 'Outreach'),
    firstContact,
    timelineAlert,
    noEntries,
    entries,
    recruiter && outreachSection,
  );
  fill(
    root,
    backLink,
    h('div', { class: 'title-row' }, title, headerBadge),
    subtitle,
    messages,
    h('div', { class: 'columns' }, outreachCard, sourcingCard),
  );

  // --- Candidate name (background) -------------------------------------------------

  request('/candidates/{id}', { params: { id }, signal })
    .then((c) => {
      title.textContent = c.fullName;
      document.title = `${c.fullName} · Splits`;
      fill(
        subtitle,
        c.email ?? 'No e-mail address',
        ` · added ${formatDateTime(c.createdAt)} · `,
        h('code', { title: id }, shortId(id)),
        ' · ',
        h('a', { href: `#/candidates/${encodeURIComponent(id)}/profile`, 'data-testid': 'candidate-profile-link' }, 'Profile and CV'),
      );
    })
    .catch(() => {
      // The id stays as the title (a missing candidate shows in the sourcing card's error).
    });

  // --- Sourcing ----------------------------------------------------------------------

  /** @type {Recruiter[] | null} platform admins: for the override picker */
  let recruiters = null;
  /** @type {Error | null} */
  let recruitersError = null;
  /** @type {string | null} */
  let actionsKey = null;
  /** @type {HTMLElement | null} where the override form goes once the recruiters are loaded */
  let overrideSlot = null;

  /** @param {Sourcing} s */
  function sourcerValue(s) {
    if (s.ownedByYou) return h('span', { 'data-testid': 'sourcer' }, 'You');
    if (s.recruiterId) return recruiterText(s.recruiterId, s.recruiterName);
    if (s.state !== 'unclaimed') return h('span', { class: 'muted', 'data-testid': 'sourcer' }, 'Another recruiter');
    return null;
  }

  /** @param {Sourcing} s */
  function renderSourcing(s) {
    sourcing = s;
    sourcingCard.dataset.state = s.state;
    sourcingCard.dataset.owned = String(s.ownedByYou);
    fill(headerBadge, sourcingBadge(s, 'header-sourcing-badge'));
    fill(
      sourcingFields,
      field('Status', 'sourcing-state', sourcingBadge(s)),
      field('Sourcer', 'sourcing-owner', sourcerValue(s)),
      field('Claimed', 'sourcing-claimed-at', s.claimedAt && formatDateTime(s.claimedAt)),
      field(
        'Protected until',
        'sourcing-ends-at',
        s.protectionEndsAt && formatDateTime(s.protectionEndsAt),
        s.protectedNow && s.protectionEndsAt && [' · ', countdown(s.protectionEndsAt, 'Protection ends')],
      ),
      admin && s.workflowId && field('Workflow', 'sourcing-workflow', temporalLink(uiConfig, s.workflowId)),
    );
    if (outreachSection) {
      const blocked = s.protectedNow && !s.ownedByYou;
      /** @type {HTMLElement} */ (outreachSection.querySelector('[data-testid="outreach-form"]')).hidden = blocked;
      outreachBlocked.hidden = !blocked;
      fill(
        outreachBlocked,
        blocked
          ? `Another recruiter's protection window covers this candidate until ${formatDateTime(s.protectionEndsAt)}: no outreach until then.`
          : '',
      );
    }
    // The commands' forms are rebuilt only when what one may do changes, so typing survives refreshes.
    const key = sourcingKey(s);
    if (key !== actionsKey) {
      actionsKey = key;
      fill(sourcingActions, actionsFor(s));
    }
  }

  /** @param {Sourcing} s @param {string} message */
  function done(s, message) {
    renderSourcing(s);
    fill(messages, notice(message));
  }

  function claimButton() {
    const button = h('button', { type: 'button', class: 'button button-primary', 'data-testid': 'claim' }, 'Claim candidate');
    button.onclick = async () => {
      button.disabled = true;
      fill(messages);
      try {
        const s = await sourcingCommand(id, 'claim');
        done(s, `The candidate is yours: protected until ${formatDateTime(s.protectionEndsAt)}.`);
      } catch (caught) {
        const err = asError(caught);
        if (isAbort(err)) return;
        fill(messages, errorAlert(`Could not claim the candidate: ${err.message}`, issueList(err)));
        button.disabled = false;
        await refreshSourcing();
      }
    };
    return h('div', { class: 'actions' }, button);
  }

  function releaseSection() {
    const panel = h('div', { class: 'slot' });
    const open = h('button', { type: 'button', class: 'button button-danger', 'data-testid': 'release-early' }, 'Release early…');
    const fields = { reason: reasonField('release-reason', 'Reason', false) };
    const cancel = h('button', { type: 'button', class: 'button button-ghost', 'data-testid': 'cancel-release' }, 'Cancel');
    const form = apiForm({
      testid: 'release-form',
      fields,
      submit: h('button', { type: 'submit', class: 'button button-danger', 'data-testid': 'confirm-release' }, 'Release protection'),
      cancel,
      send: () => {
        const reason = fields.reason.input.value.trim();
        return sourcingCommand(id, 'release', reason ? { reason } : {});
      },
      done: (s) => done(s, 'You released the candidate: other recruiters may now propose them.'),
    });
    open.onclick = () => {
      fill(panel, form);
      open.hidden = true;
      fields.reason.input.focus();
    };
    cancel.onclick = () => {
      fill(panel);
      open.hidden = false;
    };
    return h(
      'div',
      {},
      h('p', { class: 'muted' }, 'Releasing lets other recruiters propose this candidate; it cannot be undone.'),
      h('div', { class: 'actions' }, open),
      panel,
    );
  }

  function extendForm() {
    const fields = {
      days: formField({
        name: 'extend-days',
        label: 'Days',
        hint: 'Added to the current end, 1 to 365.',
        control: (attrs) => h('input', { ...attrs, type: 'number', inputmode: 'numeric', min: 1, max: 365, step: 1 }),
      }),
      reason: reasonField('extend-reason', 'Reason', true),
    };
    return apiForm({
      testid: 'extend-form',
      fields,
      submit: submitButton('submit-extend', 'Extend protection'),
      send: () => {
        const days = fields.days.input.value.trim();
        return request('/candidates/{id}/source/extend', {
          method: 'post',
          params: { id },
          // An empty field is sent as missing on purpose: the API's 400 names it and the form shows it there.
          body: /** @type {{ days: number, reason: string }} */ ({
            days: days === '' ? undefined : Number(days),
            reason: fields.reason.input.value,
          }),
          idempotencyKey: newIdempotencyKey(),
        });
      },
      done: (s) => {
        fields.days.input.value = fields.reason.input.value = '';
        done(s, `Protection extended until ${formatDateTime(s.protectionEndsAt)}.`);
      },
    });
  }

  function overrideForm() {
    if (!recruiters) {
      return recruitersError ? errorAlert(`Could not load the recruiters: ${recruitersError.message}`) : loading('Loading recruiters…');
    }
    const options = recruiters.map((r) => [
      r.id,
      `${r.displayName} (${shortId(r.id)})${r.id === sourcing.recruiterId ? ' · current sourcer' : ''}`,
    ]);
    const fields = {
      recruiterId: formField({ name: 'override-recruiter', label: 'Recruiter', control: select('Choose a recruiter…', options) }),
      reason: reasonField('override-reason', 'Reason', true),
    };
    return apiForm({
      testid: 'override-form',
      fields,
      submit: submitButton('submit-override', 'Give to this recruiter'),
      send: () =>
        request('/candidates/{id}/source/override', {
          method: 'post',
          params: { id },
          body: /** @type {{ recruiterId: string, reason: string }} */ ({
            recruiterId: fields.recruiterId.input.value || undefined,
            reason: fields.reason.input.value,
          }),
          idempotencyKey: newIdempotencyKey(),
        }),
      done: (s) => {
        const name = s.recruiterName ?? recruiters?.find((r) => r.id === s.recruiterId)?.displayName ?? shortId(s.recruiterId);
        done(s, `The candidate now belongs to ${name}.`);
      },
    });
  }

  /** @param {Sourcing} s */
  function actionsFor(s) {
    if (recruiter && s.state === 'unclaimed') return claimButton();
    if (recruiter && s.ownedByYou && s.state === 'protected') return releaseSection();
    if (admin && s.state === 'protected') {
      return [
        h('h3', {}, 'Extend protection'),
        extendForm(),
        h('h3', {}, 'Give to another recruiter'),
        (overrideSlot = h('div', { 'data-testid': 'override-section' }, overrideForm())),
      ];
    }
    if (admin)
      return h(
        'p',
        { class: 'muted', 'data-testid': 'no-sourcing-actions' },
        `The candidate is ${sourcingLabel(s).toLowerCase()}: there is no protection to extend or give away.`,
      );
    if (recruiter && s.state === 'protected') {
      return h(
        'p',
        { class: 'muted', 'data-testid': 'no-sourcing-actions' },
        'Another recruiter sourced this candidate; only they can propose them until the protection ends.',
      );
    }
    return null;
  }

  async function refreshSourcing() {
    try {
      const fresh = await request('/candidates/{id}/sourcing', { params: { id }, signal });
      if (JSON.stringify(fresh) !== JSON.stringify(sourcing)) renderSourcing(fresh);
    } catch {
      // Shown as last loaded; retried on the next tick.
    }
  }

  // --- Outreach ----------------------------------------------------------------------

  /** @type {Map<string, { json: string, el: HTMLElement }>} */
  const entryCache = new Map(); // outreach id → { json, el }: an unchanged entry keeps its element (and an open <details>)

  /** @param {Outreach} o */
  function entry(o) {
    const status = emailStatus(o);
    return h(
      'li',
      { class: 'timeline-entry', 'data-testid': 'outreach-entry', 'data-outreach-id': o.id, 'data-status': status.key },
      h(
        'p',
        { class: 'timeline-change' },
        h('strong', { 'data-testid': 'outreach-subject' }, o.subject),
        h('span', { class: `badge badge-email-${status.key}`, 'data-testid': 'outreach-status', 'data-status': status.key }, status.label),
      ),
      h(
        'p',
        { class: 'muted' },
        'Sent ',
        h('time', { datetime: o.sentAt }, formatDateTime(o.sentAt)),
        ` to ${o.to}`,
        admin && [' by ', recruiterText(o.recruiterId, o.recruiterName)],
      ),
      o.events.length > 0 &&
        h(
          'ul',
          { class: 'outreach-events', 'data-testid': 'outreach-events' },
          o.events.map((e) =>
            h(
              'li',
              { 'data-testid': 'outreach-event', 'data-type': e.type },
              eventLabel(e.type),
              ' · ',
              h('time', { datetime: e.occurredAt, class: 'muted' }, formatDateTime(e.occurredAt)),
            ),
          ),
        ),
      h('details', {}, h('summary', {}, 'Message'), h('p', { class: 'pitch', 'data-testid': 'outreach-body' }, o.body)),
    );
  }

  /** @param {Outreach} o */
  function entryFor(o) {
    const json = JSON.stringify(o);
    const hit = entryCache.get(o.id);
    if (hit?.json === json) return hit.el;
    const el = entry(o);
    entryCache.set(o.id, { json, el });
    return el;
  }

  /** @param {Timeline} t */
  function renderTimeline(t) {
    timeline = t;
    fill(
      firstContact,
      t.firstContactAt
        ? ['First contacted by any recruiter ', h('time', { datetime: t.firstContactAt }, formatDateTime(t.firstContactAt)), '.']
        : 'Nobody has e-mailed this candidate yet.',
    );
    noEntries.hidden = t.outreach.length > 0;
    entries.hidden = t.outreach.length === 0;
    syncChildren(entries, t.outreach.map(entryFor));
  }

  async function refreshTimeline() {
    try {
      renderTimeline(await request('/candidates/{id}/outreach', { params: { id }, signal }));
      fill(timelineAlert);
    } catch (caught) {
      const err = asError(caught);
      if (!isAbort(err))
        fill(timelineAlert, errorAlert(`Could not refresh the outreach (${err.message}). Showing what was last loaded; retrying shortly.`));
    }
  }

  function outreachForm() {
    const fields = {
      subject: formField({
        name: 'outreach-subject',
        label: 'Subject',
        control: (attrs) => h('input', { ...attrs, type: 'text', maxlength: SUBJECT_MAX, autocomplete: 'off' }),
      }),
      body: formField({
        name: 'outreach-body',
        label: 'Message',
        hint: 'Plain text. Replies go to your own e-mail address.',
        control: (attrs) => h('textarea', { ...attrs, rows: 6, maxlength: BODY_MAX }),
      }),
    };
    const keys = idempotencyKeys();
    return apiForm({
      testid: 'outreach-form',
      fields,
      submit: submitButton('send-outreach', 'Send e-mail'),
      send: () => {
        // Always to the candidate's own address.
        const body = { subject: fields.subject.input.value, body: fields.body.input.value };
        return request('/candidates/{id}/outreach', { method: 'post', params: { id }, body, idempotencyKey: keys.for(body) });
      },
      done: async (sent, alertSlot) => {
        keys.reset();
        Object.values(fields).forEach((f) => (f.input.value = ''));
        fill(alertSlot, notice(`E-mail sent to ${sent.to}.`));
        await refreshTimeline();
      },
    });
  }

  // --- Start ---------------------------------------------------------------------------

  renderSourcing(sourcing);
  renderTimeline(timeline);
  if (admin) {
    fetchItems('/recruiters', { count: 1000, signal })
      .then(({ items }) => (recruiters = items))
      .catch((err) => (recruitersError = err))
      .finally(() => {
        if (signal.aborted) return;
        if (overrideSlot?.isConnected) fill(overrideSlot, overrideForm());
        entryCache.clear();
        renderTimeline(timeline);
      });
  }
  every(REFRESH_MS, signal, () => Promise.all([refreshSourcing(), refreshTimeline()]));
}
