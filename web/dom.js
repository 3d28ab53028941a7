/** @typedef {Node | string | number | null | undefined | false | readonly unknown[]} Child a node, text, nothing, or a (nested) list of them */

/**
 * Builds DOM nodes without innerHTML: strings become text nodes, so API data is never
 * parsed as markup. `h('a', { href, class, onclick }, 'text', child)`.
 * `value` is set as a property after the children (a <select> needs its options first).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, any>} [props] attributes; `on…` functions become listeners
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'value' || value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  el.append(...compact(children));
  if (props.value !== undefined && props.value !== null) /** @type {HTMLInputElement} */ (/** @type {unknown} */ (el)).value = props.value;
  return el;
}

/**
 * Replaces an element's content.
 * @template {Element} E
 * @param {E} el
 * @param {...Child} children
 */
export function fill(el, ...children) {
  el.replaceChildren(...compact(children));
  return el;
}

/** @param {Child[]} children @returns {(Node | string)[]} */
const compact = (children) =>
  /** @type {(Node | string | number)[]} */ (children.flat(Infinity).filter((c) => c !== undefined && c !== null && c !== false)).map(
    (c) => (typeof c === 'number' ? String(c) : c),
  );

/**
 * Makes `parent`'s children exactly `nodes`, in order, moving only what must move:
 * nodes already in place keep their focus and selection (used for lists that re-fetch).
 * @param {Element} parent
 * @param {Element[]} nodes
 */
export function syncChildren(parent, nodes) {
  nodes.forEach((node, i) => {
    if (parent.children[i] !== node) parent.insertBefore(node, parent.children[i] ?? null);
  });
  while (parent.children.length > nodes.length) parent.lastElementChild?.remove();
}
