// Pure and deterministic (like proposal-rules.ts): the API's edge check and workflow update validators share it.

/**
 * Text the product can store and show. Refused: NUL (Postgres text and jsonb cannot hold it),
 * unpaired surrogates (not encodable as UTF-8: the driver would silently store U+FFFD), the other
 * C0 and C1 control characters, and the bidi embedding/override/isolate controls that make text
 * display as something else than it is (names, reasons, e-mail subjects). Tab, line feed and carriage
 * return are allowed: multi-line text from any client (CRLF included) is ordinary input.
 */
const UNSTORABLE =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/u;

function describe(ch: string): string {
  const code = ch.codePointAt(0)!;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  if (code === 0) return 'a NUL character (U+0000)';
  if (code >= 0xd800 && code <= 0xdfff) return `an unpaired surrogate (${hex})`;
  if (code >= 0x202a) return `a bidirectional control character (${hex})`;
  return `a control character (${hex})`;
}

/** The first unstorable character of `text`, described, or undefined when the text is fine. */
export function unstorableCharacter(text: string): string | undefined {
  const found = UNSTORABLE.exec(text);
  return found ? describe(found[0]) : undefined;
}
