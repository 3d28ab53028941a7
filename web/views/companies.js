/**
 * Companies (platform admins, product §3.10): every company with its active admins and jobs,
 * each linking to its people, and the form that creates one with its first admin, who is
 * invited by e-mail. The API's 400 details appear by their fields (the first admin's under
 * `firstAdmin.…`), an address already in use beside the e-mail.
 */
/** @import { Body, Item } from '../api-client' */
/** @typedef {Item<'/companies'>} Company */
import { newIdempotencyKey, request } from '../api.js';
import { fill, h } from '../dom.js';
import { formatDateTime } from '../format.js';
import { errorAlert, notice } from './components.js';
import { formErrors, formField } from './form.js';
import { listTable, liveList } from './live-list.js';
import { showFormError } from './people.js';

/** @param {Record<string, string>} [extra] */
const textInput =
  (type = 'text', extra = {}) =>
  (/** @type {Record<string, string | undefined>} */ a) =>
    h('input', { ...a, type, autocomplete: 'off', ...extra });

/** @param {{ onCreated: () => void }} options */
function companyForm({ onCreated }) {
  const fields = {
    name: formField({ name: 'company-name', label: 'Company name', control: textInput('text', { maxlength: '200' }) }),
    'firstAdmin.name': formField({
      name: 'firstAdmin.name',
      label: "First admin's name",
      control: textInput('text', { maxlength: '200' }),
    }),
    'firstAdmin.email': formField({
      name: 'firstAdmin.email',
      label: "First admin's e-mail",
      hint: 'They are invited by e-mail and then invite the rest of their company.',
      control: textInput('email', { autocapitalize: 'off', spellcheck: 'false' }),
    }),
  };
  const alertSlot = h('div', { class: 'slot' });
  const errors = formErrors(alertSlot, () => fields);
  const submit = h('button', { type: 'submit', class: 'button button-primary', 'data-testid': 'submit-company' }, 'Create the company');
  let key = newIdempotencyKey();

  /** @param {SubmitEvent} event */
  async function onSubmit(event) {
    event.preventDefault();
    errors.clear();
    /** @type {Body<'/companies', 'post'>} */
    const body = {
      name: fields.name.input.value,
      firstAdmin: { name: fields['firstAdmin.name'].input.value, email: fields['firstAdmin.email'].input.value },
    };
    submit.disabled = true;
    try {
      const { company, firstAdmin } = await request('/companies', { method: 'post', body, idempotencyKey: key });
      key = newIdempotencyKey();
      Object.values(fields).forEach((f) => (f.input.value = ''));
      fill(alertSlot, notice(`${company.name} is created; ${firstAdmin.name}, its first admin, is invited at ${firstAdmin.email}.`));
      onCreated();
    } catch (caught) {
      showFormError(errors, caught, 'firstAdmin.email');
    } finally {
      submit.disabled = false;
    }
  }

  return h(
    'form',
    { class: 'card', novalidate: true, onsubmit: onSubmit, 'data-testid': 'company-form', 'aria-labelledby': 'company-form-title' },
    h('h2', { id: 'company-form-title' }, 'New company'),
    alertSlot,
    fields.name.el,
    h('div', { class: 'field-row' }, fields['firstAdmin.name'].el, fields['firstAdmin.email'].el),
    h('div', { class: 'actions' }, submit),
  );
}

/** @param {HTMLElement} root @param {import('./types').ViewContext} ctx */
export async function companiesView(root, { me, signal }) {
  document.title = 'Companies · Splits';
  if (me.role !== 'platform_admin') {
    fill(root, h('h1', {}, 'Companies'), errorAlert('Only platform admins manage companies.'));
    return;
  }
  const { table, tbody } = listTable('company-list', ['Company', 'Active admins', 'Jobs', 'Created']);
  const list = liveList({
    path: '/companies',
    signal,
    render: row,
    container: tbody,
    frame: table,
    noun: 'companies',
    empty: ['No companies yet', 'Create the first one below.'],
  });

  fill(
    root,
    h(
      'section',
      {},
      h(
        'div',
        { class: 'page-header' },
        h('h1', {}, 'Companies'),
        h('a', { href: '#/people', class: 'button', 'data-testid': 'open-people' }, 'People'),
      ),
      list.element,
      companyForm({ onCreated: () => void list.reload() }),
    ),
  );

  /** @param {Company} c */
  function row(c) {
    return h(
      'tr',
      { 'data-testid': 'company-row', 'data-company-id': c.id },
      h(
        'td',
        {},
        h('a', { href: `#/people?companyId=${encodeURIComponent(c.id)}`, class: 'row-link', 'data-testid': 'company-people' }, c.name),
      ),
      h('td', { 'data-testid': 'company-admins' }, String(c.activeAdmins)),
      h('td', {}, String(c.jobs)),
      h('td', {}, formatDateTime(c.createdAt)),
    );
  }

  await list.reload();
}
