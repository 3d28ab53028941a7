/**
 * Form fields with their own error messages, and the mapping of an API's 400 details
 * (`[{ path, message }]`) onto them: each issue appears next to its field, the rest in
 * the form's alert.
 */
import { fill, h } from '../dom.js';
import { errorAlert } from './components.js';

/**
 * @typedef {object} FormField
 * @property {HTMLInputElement} input the control (an <input>, <select> or <textarea>; typed as the common case)
 * @property {HTMLElement} el
 * @property {(message: string | null | undefined) => void} setError
 */
/** @typedef {{ path?: (string | number)[], message: string }} Issue a zod issue from a 400's details */
/** @typedef {{ input: HTMLElement, setError: FormField['setError'] }} ErrorTarget where an issue is shown: a field, or a control with its own message */

/**
 * A labelled control with its hint and an (initially hidden) error message.
 * @param {{ name: string, label: string | Node, hint?: string, control: (attrs: Record<string, string | undefined>) => HTMLElement }} options
 * @returns {FormField}
 */
export function formField({ name, label, hint, control }) {
  const id = name.replace(/[^A-Za-z0-9_-]/g, '-');
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const input = /** @type {HTMLInputElement} */ (
    control({ id, name, 'data-testid': `field-${id}`, 'aria-describedby': hint ? hintId : undefined })
  );
  const error = h('p', { id: errorId, class: 'field-error', 'data-testid': `field-error-${id}`, hidden: true });
  const describedBy = [hint && hintId, errorId].filter(Boolean).join(' ');
  return {
    input,
    el: h('div', { class: 'field' }, h('label', { for: id }, label), input, hint && h('p', { id: hintId, class: 'hint' }, hint), error),
    setError(message) {
      error.textContent = message ?? '';
      error.hidden = !message;
      if (message) {
        input.setAttribute('aria-invalid', 'true');
        input.setAttribute('aria-describedby', describedBy);
      } else {
        input.removeAttribute('aria-invalid');
        if (hint) input.setAttribute('aria-describedby', hintId);
        else input.removeAttribute('aria-describedby');
      }
    },
  };
}

/**
 * A <select> control for `formField`: a placeholder, then `[value, label]` options.
 * @param {string | null} placeholder
 * @param {string[][]} options
 */
export const select = (placeholder, options) => (/** @type {Record<string, string | undefined>} */ attrs) =>
  h(
    'select',
    attrs,
    placeholder !== null && h('option', { value: '' }, placeholder),
    options.map(([value, label]) => h('option', { value }, label)),
  );

const issueText = (/** @type {Issue} */ i) => (i.path?.length ? `${i.path.join('.')}: ${i.message}` : i.message);

/**
 * Errors of one form. `fields()` returns the current `{ name: formField }` (a form whose
 * rows come and go passes a function); an issue goes to the field named by the longest
 * prefix of its path.
 * @param {HTMLElement} alertSlot
 * @param {() => Record<string, ErrorTarget>} fields
 */
export function formErrors(alertSlot, fields) {
  /** @param {Issue['path']} path */
  function fieldFor(path = []) {
    const all = fields();
    for (let n = path.length; n > 0; n -= 1) {
      const field = all[path.slice(0, n).join('.')];
      if (field) return field;
    }
    return undefined;
  }

  function clear() {
    fill(alertSlot);
    Object.values(fields()).forEach((f) => f.setError(null));
  }

  /**
   * Puts each issue next to its field; returns those that match none.
   * @param {Issue[]} issues
   */
  function showIssues(issues) {
    /** @type {Issue[]} */
    const unmatched = [];
    for (const issue of issues) {
      const field = fieldFor(issue.path);
      if (field) field.setError(issue.message);
      else unmatched.push(issue);
    }
    Object.values(fields())
      .find((f) => f.input.hasAttribute('aria-invalid'))
      ?.input.focus();
    return unmatched;
  }

  /**
   * An API error: validation details (400, and 422 with a list) by field, anything else in the alert. `extra` follows the message.
   * @param {Error & { status?: number, details?: unknown }} err
   * @param {...(Node | string | null | false | undefined)} extra
   */
  function show(err, ...extra) {
    if ((err.status === 400 || err.status === 422) && Array.isArray(err.details) && err.details.length) {
      const unmatched = showIssues(err.details);
      const list =
        unmatched.length > 0 &&
        h(
          'ul',
          {},
          unmatched.map((i) => h('li', {}, issueText(i))),
        );
      fill(
        alertSlot,
        errorAlert(unmatched.length < err.details.length ? 'Please correct the highlighted fields.' : err.message, list, extra),
      );
    } else {
      fill(alertSlot, errorAlert(err.message, extra));
    }
    alertSlot.scrollIntoView?.({ block: 'nearest' });
  }

  return { clear, showIssues, show };
}

/**
 * A form behind a command that needs input (a reason, a number of days): `fields` are
 * formFields keyed by the body property they fill; numbers are sent as numbers (an empty one
 * as 0, which the API refuses by its field), empty text not at all. `command` names the testids
 * (`<command>-form`, `confirm-<command>`).
 * @param {{
 *   command: string, fields: Record<string, FormField>, label: string, danger?: boolean,
 *   onSubmit: (body: Record<string, string | number>, errors: ReturnType<typeof formErrors>) => Promise<unknown>,
 *   onCancel: () => void,
 * }} options
 */
export function commandForm({ command, fields, label, danger, onSubmit, onCancel }) {
  const alertSlot = h('div', { class: 'slot' });
  const errors = formErrors(alertSlot, () => fields);
  const submit = h(
    'button',
    { type: 'submit', class: `button ${danger ? 'button-danger' : 'button-primary'}`, 'data-testid': `confirm-${command}` },
    label,
  );
  return h(
    'form',
    {
      class: 'reason-form',
      novalidate: true,
      'data-testid': `${command}-form`,
      onsubmit: async (/** @type {SubmitEvent} */ event) => {
        event.preventDefault();
        errors.clear();
        submit.disabled = true;
        const body = Object.fromEntries(
          Object.entries(fields)
            .map(([k, f]) => [k, f.input.type === 'number' ? Number(f.input.value) : f.input.value.trim()])
            .filter(([, v]) => v !== ''),
        );
        await onSubmit(body, errors);
        submit.disabled = false;
      },
    },
    alertSlot,
    Object.values(fields).map((f) => f.el),
    h('div', { class: 'actions' }, submit, h('button', { type: 'button', class: 'button button-ghost', onclick: onCancel }, 'Cancel')),
  );
}

/** A command's reason: a textarea, required unless `optional`. */
export const reasonField = (/** @type {boolean} */ optional) =>
  formField({
    name: 'reason',
    label: optional ? 'Reason (optional)' : 'Reason',
    control: (a) => h('textarea', { ...a, rows: 3, maxlength: 2000 }),
  });

/**
 * An API error's validation details as a list (for alerts outside a form), or null.
 * @param {unknown} err
 */
export function issueList(err) {
  const details = err instanceof Error && 'details' in err ? err.details : undefined;
  return Array.isArray(details) && details.length
    ? h(
        'ul',
        {},
        details.map((i) => h('li', {}, issueText(i))),
      )
    : null;
}
