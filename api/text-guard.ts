import { unstorableCharacter } from '../domain/text-rules.js';
import { badRequest } from './errors.js';

/** One refused string, shaped like a zod issue (`path` within its part of the request) plus that part. */
export interface TextIssue {
  code: 'invalid_text';
  in: string;
  path: (string | number)[];
  message: string;
}

/**
 * Every string in `value` (object keys included) that holds an unstorable character, with its path.
 * Iterative, so the depth of the value does not matter (the JSON parser's depth limit applies anyway).
 */
export function textIssues(value: unknown, part: string): TextIssue[] {
  const issues: TextIssue[] = [];
  const stack: [unknown, (string | number)[]][] = [[value, []]];
  const check = (text: string, path: (string | number)[], what: string) => {
    const bad = unstorableCharacter(text);
    if (bad) issues.push({ code: 'invalid_text', in: part, path, message: `${what} contains ${bad}` });
  };
  while (stack.length) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') check(v, path, 'text');
    else if (Array.isArray(v)) v.forEach((child, i) => stack.push([child, [...path, i]]));
    else if (v !== null && typeof v === 'object') {
      for (const [key, child] of Object.entries(v)) {
        check(key, [...path, key], 'a key');
        stack.push([child, [...path, key]]);
      }
    }
  }
  return issues;
}

/**
 * Text is stored in Unicode Normalization Form C: canonically equivalent spellings (a precomposed "é"
 * and "e" + combining accent) become the same string, so names, e-mail addresses and codes cannot
 * exist twice in forms that look alike but compare differently. Returns a normalised copy.
 */
export function normalizeText<T>(value: T): T {
  if (typeof value === 'string') return value.normalize('NFC') as T;
  if (Array.isArray(value)) return value.map(normalizeText) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.normalize('NFC'), normalizeText(v)])) as T;
  }
  return value;
}

/** Refuses (400, product §4 shape, details naming each field) any part of a request holding unstorable text. */
export function assertStorableText(parts: Record<string, unknown>): void {
  const issues = Object.entries(parts).flatMap(([part, value]) => textIssues(value, part));
  if (issues.length) throw badRequest('request contains characters that cannot be stored', issues);
}
