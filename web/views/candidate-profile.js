/**
 * Candidates recruiters add themselves (product §3.9): the add / edit form with the duplicate
 * prompt (the existing record's link, or "protected until …" when another recruiter's window
 * covers it), the CV control (a size and type hint here; the server sniffs and decides), the
 * full-text search page, and a platform admin's export and erasure.
 */
import { ApiError, asError, authHeaders, isAbort, newIdempotencyKey, request } from '../api.js';
import { fill, h } from '../dom.js';
import { formatDateTime } from '../format.js';
import { emptyState, errorAlert, loading, notice } from './components.js';
import { formErrors, formField } from './form.js';

/** @import { Body, Ok } from '../api-client' */
/** @import { ViewContext } from './types' */
/** @typedef {Ok<'/candidates/{id}/profile'>} Profile */
/** @typedef {Body<'/candidates', 'post'>} NewCandidate */

// domain/candidates.ts's limits, repeated for hints and maxlength; the API enforces them.
const LIMITS = {
  name: 200,
  email: 254,
  phone: 40,
  location: 200,
  headline: 300,
  linkedinUrl: 500,
  notes: 10_000,
  skills: 50,
  cvBytes: 5 * 1024 * 1024,
};
const CV_TYPES = {
  'application/pdf': 'PDF',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'Word (.docx)',
  'text/plain': 'plain text',
};
/** The type to declare for a file the browser could not type (a .txt or .docx without a registered type). */
const BY_EXTENSION = /** @type {Record<string, string>} */ ({
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  txt: 'text/plain',
});

/** @param {File} file */
const declaredType = (file) =>
  file.type in CV_TYPES ? file.type : (BY_EXTENSION[file.name.split('.').pop()?.toLowerCase() ?? ''] ?? file.type);

/**
 * The client-side hint: too big or of another type is said at once (the server still judges the bytes).
 * @param {File} file
 */
function cvProblem(file) {
  if (file.size > LIMITS.cvBytes) return `The file is ${(file.size / 1024 / 1024).toFixed(1)} MiB; a CV may be at most 5 MiB.`;
  if (!(declaredType(file) in CV_TYPES)) return 'A CV must be a PDF, a Word (.docx) document or plain text.';
  return null;
}

/** @param {Response} res */
async function apiErrorOf(res) {
  const payload = await res.json().catch(() => null);
  const e = payload?.error ?? {};
  return new ApiError(res.status, e.code ?? 'http_error', e.message ?? `Request failed (HTTP ${res.status}).`, e.details);
}

/** The CV as the raw request body (not JSON, so not through `request`). @param {string} id @param {File} file */
async function uploadCv(id, file) {
  const res = await fetch(`/api/v1/candidates/${encodeURIComponent(id)}/cv?filename=${encodeURIComponent(file.name)}`, {
    method: 'POST',
    headers: { ...authHeaders('POST'), 'Content-Type': declaredType(file), Accept: 'application/json' },
    body: file,
    credentials: 'same-origin',
  });
  if (!res.ok) throw await apiErrorOf(res);
  return /** @type {Promise<Ok<'/candidates/{id}/cv', 'post'>>} */ (res.json());
}

/**
 * Saves a download fetched with the caller's credentials (a plain link would carry no bearer token).
 * @param {string} url @param {string} fallbackName
 */
async function download(url, fallbackName) {
  const res = await fetch(url, { headers: authHeaders('GET'), credentials: 'same-origin' });
  if (!res.ok) throw await apiErrorOf(res);
  const name = /filename\*=UTF-8''([^;]+)/.exec(res.headers.get('content-disposition') ?? '')?.[1];
  const link = h('a', { href: URL.createObjectURL(await res.blob()), download: name ? decodeURIComponent(name) : fallbackName });
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

/**
 * The 409 of an add or edit as a prompt: the record to use instead, or the window's end.
 * @param {ApiError} err
 */
function duplicatePrompt(err) {
  const details = /** @type {{ candidateId?: string, fullName?: string, matchedOn?: string[], protectedUntil?: string }} */ (
    err.details ?? {}
  );
  if (err.code === 'candidate_protected' && details.protectedUntil) {
    return h(
      'div',
      { class: 'alert alert-info', role: 'alert', 'data-testid': 'protected-prompt' },
      h('p', {}, `This person is already a candidate, protected by another recruiter until ${formatDateTime(details.protectedUntil)}.`),
      h('p', { class: 'muted' }, 'You can propose them after the protection window ends.'),
    );
  }
  if (err.code === 'duplicate_candidate' && details.candidateId) {
    return h(
      'div',
      { class: 'alert alert-info', role: 'alert', 'data-testid': 'duplicate-prompt' },
      h(
        'p',
        {},
        `A candidate with the same ${(details.matchedOn ?? ['e-mail']).join(' and ').replace('email', 'e-mail')} already exists: `,
        h(
          'a',
          { href: `#/candidates/${encodeURIComponent(details.candidateId)}/profile`, 'data-testid': 'duplicate-link' },
          details.fullName ?? 'open it',
        ),
      ),
      h('p', { class: 'muted' }, 'Use that record instead of adding a second one.'),
    );
  }
  return null;
}

/**
 * The add / edit form; `profile` unset adds. After saving, a chosen CV is uploaded.
 * @param {{ profile?: Profile, navigate: ViewContext['navigate'] }} options
 */
function candidateForm({ profile, navigate }) {
  /** @param {string} name @param {string} label @param {number} max @param {string} [hint] @param {string} [type] */
  const input = (name, label, max, hint, type = 'text') =>
    formField({ name, label, hint, control: (attrs) => h('input', { ...attrs, type, maxlength: max }) });
  const fields = {
    fullName: input('fullName', 'Full name', LIMITS.name),
    email: input('email', 'E-mail', LIMITS.email, 'Duplicates are found by e-mail and phone.', 'email'),
    phone: input('phone', 'Phone', LIMITS.phone, 'With the country code, e.g. +44 20 7946 0958.', 'tel'),
    location: input('location', 'Location', LIMITS.location),
    headline: input('headline', 'Headline', LIMITS.headline),
    linkedinUrl: input('linkedinUrl', 'LinkedIn URL', LIMITS.linkedinUrl, 'https://www.linkedin.com/in/…', 'url'),
    skills: input('skills', 'Skills', 2000, `Comma-separated, up to ${LIMITS.skills}.`),
    notes: formField({
      name: 'notes',
      label: 'Notes',
      hint: 'Only you and platform admins see them.',
      control: (attrs) => h('textarea', { ...attrs, rows: 5, maxlength: LIMITS.notes }),
    }),
  };
  if (profile) {
    for (const [name, f] of Object.entries(fields)) {
      const value = name === 'skills' ? profile.skills.join(', ') : /** @type {Record<string, unknown>} */ (profile)[name];
      f.input.value = typeof value === 'string' ? value : '';
    }
  }
  const cvInput = /** @type {HTMLInputElement} */ (
    h('input', { type: 'file', id: 'cv', accept: '.pdf,.docx,.txt,application/pdf,text/plain', 'data-testid': 'cv-input' })
  );
  const cvHint = h('p', { class: 'hint', 'data-testid': 'cv-hint' }, 'PDF, Word (.docx) or plain text, at most 5 MiB.');
  cvInput.addEventListener('change', () => {
    const file = cvInput.files?.[0];
    const problem = file && cvProblem(file);
    cvHint.textContent = problem || 'PDF, Word (.docx) or plain text, at most 5 MiB.';
    cvHint.classList.toggle('field-error', !!problem);
  });
  const alertSlot = h('div', { class: 'slot' });
  const label = profile ? 'Save changes' : 'Add candidate';
  const submitButton = h('button', { type: 'submit', class: 'button button-primary', 'data-testid': 'submit-candidate' }, label);
  const errors = formErrors(alertSlot, () => fields);
  /** @type {{ key: string, body: string | null }} */
  let idempotency = { key: '', body: null };

  /** @param {SubmitEvent} event */
  async function submit(event) {
    event.preventDefault();
    errors.clear();
    const file = cvInput.files?.[0];
    const problem = file && cvProblem(file);
    if (problem) {
      fill(alertSlot, errorAlert(problem));
      return;
    }
    const value = (/** @type {keyof typeof fields} */ name) => fields[name].input.value.trim();
    const body = {
      fullName: value('fullName'),
      email: value('email'),
      phone: value('phone'),
      location: value('location'),
      headline: value('headline'),
      linkedinUrl: value('linkedinUrl'),
      notes: fields.notes.input.value,
      skills: value('skills')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    };
    if (!body.fullName) {
      errors.showIssues([{ path: ['fullName'], message: "Enter the candidate's name." }]);
      return;
    }
    submitButton.disabled = true;
    try {
      let saved;
      if (profile) {
        saved = await request('/candidates/{id}', { method: 'patch', params: { id: profile.id }, body });
      } else {
        const text = JSON.stringify(body);
        if (idempotency.body !== text) idempotency = { key: newIdempotencyKey(), body: text };
        saved = await request('/candidates', { method: 'post', body: /** @type {NewCandidate} */ (body), idempotencyKey: idempotency.key });
      }
      if (file) {
        try {
          await uploadCv(saved.id, file);
        } catch (err) {
          navigate(`/candidates/${saved.id}/profile`, { notice: `Saved, but the CV was refused: ${asError(err).message}` });
          return;
        }
      }
      navigate(`/candidates/${saved.id}/profile`, { notice: profile ? 'Changes saved.' : 'Candidate added.' });
    } catch (caught) {
      const err = caught instanceof ApiError ? caught : new ApiError(0, 'unknown', 'Something went wrong.');
      const prompt = err.status === 409 ? duplicatePrompt(err) : null;
      if (prompt) fill(alertSlot, prompt);
      else errors.show(err);
      submitButton.disabled = false;
    }
  }

  return h(
    'form',
    { class: 'card form', novalidate: true, onsubmit: submit, 'data-testid': 'candidate-form' },
    alertSlot,
    Object.values(fields).map((f) => f.el),
    h('div', { class: 'field' }, h('label', { for: 'cv' }, profile?.cv ? 'Replace the CV' : 'CV'), cvInput, cvHint),
    h('div', { class: 'actions' }, submitButton, h('a', { href: '#/candidates/search', class: 'button button-ghost' }, 'Cancel')),
  );
}

/** @param {HTMLElement} root @param {ViewContext} ctx */
export async function newCandidateView(root, { me, navigate }) {
  document.title = 'Add candidate · Splits';
  root.append(h('a', { href: '#/candidates/search', class: 'back-link' }, '← Search candidates'), h('h1', {}, 'Add a candidate'));
  if (me.role !== 'recruiter') {
    root.append(notice('Only recruiters add candidates.', 'info'));
    return;
  }
  root.append(candidateForm({ navigate }));
}

/**
 * A platform admin's data-subject actions: export as JSON, erase after confirming.
 * @param {Profile} profile @param {ViewContext['navigate']} navigate
 */
function adminActions(profile, navigate) {
  const slot = h('div', { class: 'slot' });
  const exportButton = h('button', { type: 'button', class: 'button', 'data-testid': 'export-candidate' }, 'Export personal data');
  exportButton.addEventListener('click', () => {
    download(`/api/v1/candidates/${encodeURIComponent(profile.id)}/export`, `candidate-${profile.id}.json`).catch((err) =>
      fill(slot, errorAlert(asError(err).message)),
    );
  });
  const eraseButton = h(
    'button',
    { type: 'button', class: 'button button-danger', 'data-testid': 'erase-candidate', disabled: !!profile.erasedAt },
    'Erase personal data',
  );
  eraseButton.addEventListener('click', async () => {
    if (
      !window.confirm(
        `Erase ${profile.fullName}'s personal data? Name, contact details, notes and files are removed for good; placements and payouts stay, anonymised.`,
      )
    )
      return;
    eraseButton.disabled = true;
    try {
      await request('/candidates/{id}/erase', { method: 'post', params: { id: profile.id } });
      navigate(`/candidates/${profile.id}/profile`, { notice: "The candidate's personal data was erased." });
    } catch (err) {
      fill(slot, errorAlert(asError(err).message));
      eraseButton.disabled = false;
    }
  });
  return h(
    'section',
    { class: 'card', 'data-testid': 'candidate-admin' },
    h('h2', {}, 'Personal data (GDPR)'),
    slot,
    h('div', { class: 'actions' }, exportButton, eraseButton),
  );
}

/** @param {HTMLElement} root @param {ViewContext} ctx */
export async function candidateProfileView(root, { me, params, signal, navigate, flash }) {
  document.title = 'Candidate · Splits';
  root.append(h('a', { href: '#/candidates/search', class: 'back-link' }, '← Search candidates'));
  if (flash) root.append(notice(flash));
  const status = loading('Loading the candidate…');
  root.append(status);
  /** @type {Profile} */
  let profile;
  try {
    profile = await request('/candidates/{id}/profile', { params: { id: params.id }, signal });
  } catch (caught) {
    const err = asError(caught);
    if (!isAbort(err)) status.replaceWith(errorAlert(`Could not load the candidate: ${err.message}`));
    return;
  }
  const editable = !profile.erasedAt && !profile.fromAts && (profile.addedByYou || me.role === 'platform_admin');
  const cvSlot = h('div', { class: 'slot' });
  const cv = profile.cv;
  const facts = h(
    'dl',
    { class: 'facts', 'data-testid': 'candidate-facts' },
    [
      ['E-mail', profile.email],
      ['Phone', profile.phone],
      ['Location', profile.location],
      ['Headline', profile.headline],
      ['Skills', profile.skills.join(', ')],
    ].map(([k, v]) => [h('dt', {}, k), h('dd', {}, v || '—')]),
    h('dt', {}, 'CV'),
    h(
      'dd',
      {},
      cv
        ? h(
            'button',
            {
              type: 'button',
              class: 'button button-ghost',
              'data-testid': 'cv-download',
              onclick: () =>
                download(`/api/v1/candidates/${encodeURIComponent(profile.id)}/cv`, cv.fileName).catch((err) =>
                  fill(cvSlot, errorAlert(asError(err).message)),
                ),
            },
            `${cv.fileName} (${Math.ceil(cv.sizeBytes / 1024)} KiB)`,
          )
        : '—',
    ),
  );
  status.replaceWith(
    h(
      'div',
      { 'data-testid': 'candidate-profile' },
      h('h1', { 'data-testid': 'candidate-name' }, profile.fullName),
      h(
        'p',
        {},
        h(
          'a',
          { href: `#/candidates/${encodeURIComponent(profile.id)}`, 'data-testid': 'candidate-sourcing-link' },
          'Sourcing and outreach',
        ),
      ),
      profile.erasedAt ? notice(`Personal data erased ${formatDateTime(profile.erasedAt)}.`, 'info') : null,
      profile.fromAts ? notice('Synced from an ATS: edit it there.', 'info') : null,
      facts,
      cvSlot,
      editable ? [h('h2', {}, 'Edit'), candidateForm({ profile, navigate })] : null,
      me.role === 'platform_admin' ? adminActions(profile, navigate) : null,
    ),
  );
}

/** @param {HTMLElement} root @param {ViewContext} ctx */
export async function candidateSearchView(root, { me, query, signal, navigate }) {
  document.title = 'Search candidates · Splits';
  const q = query.get('q') ?? '';
  const box = /** @type {HTMLInputElement} */ (
    h('input', {
      type: 'search',
      name: 'q',
      value: q,
      maxlength: 200,
      placeholder: 'Name, e-mail or skill',
      'data-testid': 'candidate-search-input',
      'aria-label': 'Search candidates',
    })
  );
  const form = h(
    'form',
    {
      class: 'toolbar',
      role: 'search',
      'data-testid': 'candidate-search',
      onsubmit: (/** @type {SubmitEvent} */ e) => {
        e.preventDefault();
        navigate(`/candidates/search?q=${encodeURIComponent(box.value.trim())}`);
      },
    },
    box,
    h('button', { type: 'submit', class: 'button button-primary' }, 'Search'),
  );
  root.append(h('h1', {}, 'Search candidates'), form);
  if (me.role === 'recruiter')
    root.append(h('p', {}, h('a', { href: '#/candidates/new', class: 'button', 'data-testid': 'add-candidate' }, 'Add a candidate')));
  if (!q.trim()) return;

  const list = h('ul', { class: 'hits', 'data-testid': 'candidate-hits' });
  const more = h('button', { type: 'button', class: 'button button-ghost', 'data-testid': 'search-more', hidden: true }, 'More results');
  const slot = h('div', { class: 'slot' }, loading('Searching…'));
  root.append(slot, list, more);
  /** @param {string | undefined} cursor */
  async function load(cursor) {
    try {
      const page = await request('/candidates/search', { query: { q, limit: 20, cursor }, signal });
      fill(slot, !cursor && !page.data.length ? emptyState('No candidates found', 'Try another name, e-mail or skill.') : null);
      list.append(
        ...page.data.map((c) =>
          h(
            'li',
            { class: 'hit', 'data-testid': 'candidate-hit', 'data-id': c.id },
            h('a', { href: `#/candidates/${encodeURIComponent(c.id)}/profile` }, c.fullName),
            c.email ? h('span', { class: 'muted' }, ` · ${c.email}`) : null,
            c.headline ? h('p', {}, c.headline) : null,
            c.skills.length ? h('p', { class: 'muted' }, c.skills.join(', ')) : null,
          ),
        ),
      );
      more.hidden = !page.nextCursor;
      more.onclick = () => load(page.nextCursor ?? undefined);
    } catch (caught) {
      const err = asError(caught);
      if (!isAbort(err)) fill(slot, errorAlert(`Search failed: ${err.message}`));
    }
  }
  await load(undefined);
}
