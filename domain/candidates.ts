/**
 * Candidates a recruiter adds by hand (product §3.9): field limits, the normalisation duplicate
 * detection compares on, and the CV content check. The API's zod schemas and migration 013's
 * check constraints read the same numbers.
 */

export const CANDIDATE_LIMITS = {
  name: 200,
  email: 254,
  phone: 40,
  location: 200,
  headline: 300,
  linkedinUrl: 500,
  notes: 10_000,
  skills: 50,
  skill: 50,
  cvBytes: 5 * 1024 * 1024,
  cvFilename: 200,
} as const;

/** The name an erased candidate keeps (product §3.9 erasure). */
export const ERASED_NAME = 'Erased candidate';

/** The CV types accepted, by the content type stored and served. */
export const CV_TYPES = {
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  text: 'text/plain',
} as const;
export type CvType = (typeof CV_TYPES)[keyof typeof CV_TYPES];
export const CV_CONTENT_TYPES: readonly CvType[] = Object.values(CV_TYPES);

/** E-mail as duplicates are compared: trimmed, lower-cased; empty → null. */
export function normalizeEmail(email: string | null | undefined): string | null {
  const e = email?.trim().toLowerCase();
  return e ? e : null;
}

/**
 * Phone as duplicates are compared: `+` and digits only (E.164-ish). A leading `00` is the
 * international prefix written the European way, so `0044 20…` and `+44 20…` compare equal.
 * Fewer than 6 digits is not a phone number worth matching on → null.
 */
export function normalizePhone(phone: string | null | undefined): string | null {
  if (!phone) return null;
  const trimmed = phone.trim();
  let digits = trimmed.replace(/\D/g, '');
  const international = trimmed.startsWith('+') || digits.startsWith('00');
  if (!trimmed.startsWith('+') && digits.startsWith('00')) digits = digits.slice(2);
  if (digits.length < 6) return null;
  return international ? `+${digits}` : digits;
}

/** Skills as stored: trimmed, empty dropped, duplicates (case-insensitive) dropped, order kept. */
export function normalizeSkills(skills: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const s of skills.map((x) => x.trim()).filter(Boolean)) {
    if (seen.has(s.toLowerCase())) continue;
    seen.add(s.toLowerCase());
    out.push(s);
  }
  return out;
}

/**
 * A file name safe to store and to put in a Content-Disposition header: the last path segment,
 * control and path characters removed, at most the limit; empty → `cv`.
 */
export function sanitizeFilename(name: string | null | undefined): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  const cleaned = base
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f"<>:|?*]/g, '')
    .replace(/^\.+/, '')
    .trim();
  return (cleaned || 'cv').slice(0, CANDIDATE_LIMITS.cvFilename);
}

/**
 * What the bytes are, by their magic numbers: PDF starts `%PDF-`; DOCX is a ZIP (`PK\x03\x04`)
 * whose central directory names `word/document.xml`; plain text is valid UTF-8 without NUL.
 * Anything else → undefined. Nothing is parsed beyond that, so nothing in the file runs.
 */
export function sniffCv(bytes: Uint8Array): CvType | undefined {
  const head = Buffer.from(bytes.subarray(0, 5)).toString('latin1');
  if (head === '%PDF-') return CV_TYPES.pdf;
  if (head.startsWith('PK\x03\x04')) return zipHasEntry(Buffer.from(bytes), 'word/document.xml') ? CV_TYPES.docx : undefined;
  if (bytes.length > 0 && !bytes.includes(0) && isUtf8(bytes)) return CV_TYPES.text;
  return undefined;
}

function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Whether a ZIP's central directory lists `name` (file headers signed `PK\x01\x02`, name at offset 46). */
function zipHasEntry(zip: Buffer, name: string): boolean {
  const want = Buffer.from(name, 'utf8');
  for (
    let at = zip.indexOf('PK\x01\x02', 0, 'latin1');
    at >= 0 && at + 46 <= zip.length;
    at = zip.indexOf('PK\x01\x02', at + 4, 'latin1')
  ) {
    const nameLength = zip.readUInt16LE(at + 28);
    if (zip.subarray(at + 46, at + 46 + nameLength).equals(want)) return true;
  }
  return false;
}

/** The declared Content-Type's media type (parameters dropped, lower-cased). */
export const mediaTypeOf = (contentType: string | undefined): string => (contentType ?? '').split(';')[0]!.trim().toLowerCase();
