/**
 * Builds DOM nodes without innerHTML: strings become text nodes, so API data is never
 * parsed as markup. `h('a', { href, class, onclick }, 'text', child)`.
 * `value` is set as a property after the children (a <select> needs its options first).
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'value' || value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  el.append(...compact(children));
  if (props.value !== undefined && props.value !== null) el.value = props.value;
  return el;
}

/** Replaces an element's content. */
export function fill(el, ...children) {
  el.replaceChildren(...compact(children));
  return el;
}

const compact = (children) => children.flat(Infinity).filter((c) => c !== undefined && c !== null && c !== false);

/**
 * Makes `parent`'s children exactly `nodes`, in order, moving only what must move:
 * nodes already in place keep their focus and selection (used for lists that re-fetch).
 */
export function syncChildren(parent, nodes) {
  nodes.forEach((node, i) => {
    if (parent.children[i] !== node) parent.insertBefore(node, parent.children[i] ?? null);
  });
  while (parent.children.length > nodes.length) parent.lastElementChild.remove();
}
