/**
 * What the team's database can hold (SPEC §7, §8): text without NUL characters and
 * without lone UTF-16 surrogates (PostgreSQL's `text` and `jsonb` refuse both), ids of
 * at most {@link MAX_ID_LENGTH} characters, JSON nested at most {@link MAX_NESTING}
 * levels. One check for every edge where values enter: the sync server's push and
 * pull schemas (core/sync/protocol.ts), the contact and campaign schemas
 * (core/model.ts) and CSV import (core/contacts-import.ts).
 */
import { z } from 'zod';
import { formatPath, show, type Problem } from './errors';

/** Most characters in an id the sync server stores (a row id, a device id). */
export const MAX_ID_LENGTH = 200;
/** Deepest nesting of a stored JSON value; the row itself is level 1. */
export const MAX_NESTING = 64;

/** Quick test for the characters {@link textProblem} looks closer at. */
// eslint-disable-next-line no-control-regex -- finding NUL characters is the point
const SUSPECT = /[\u0000\ud800-\udfff]/;

/**
 * Why `text` cannot be stored, in words that name the character and its position
 * (1-based, in UTF-16 code units) and quote the text, or undefined when it can:
 * a NUL character (U+0000) or a lone surrogate (U+D800–U+DFFF not part of a pair).
 */
export function textProblem(text: string): string | undefined {
  if (!SUSPECT.test(text)) return undefined;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0) return `holds a NUL character (\\u0000) at character ${i + 1} of ${show(text)}; remove it`;
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
    }
    if (code >= 0xd800 && code <= 0xdfff)
      return `holds a lone surrogate (\\u${code.toString(16)}) at character ${i + 1} of ${show(text)}: half of an emoji or symbol, from a broken copy; retype it`;
  }
  return undefined;
}

/**
 * Every place in `value` (any JSON value, e.g. a row) that cannot be stored: a string
 * or key {@link textProblem} refuses, or nesting deeper than `maxNesting` levels (the
 * value itself is level 1; nothing below the first level too deep is looked at).
 * Paths are keys and indexes from `value` (`['steps', 2, 'body']`), before `at`.
 * Stops after `limit` problems.
 */
export function valueProblems(
  value: unknown,
  at: readonly PropertyKey[] = [],
  maxNesting = MAX_NESTING,
  limit = 20,
): { path: PropertyKey[]; message: string }[] {
  const found: { path: PropertyKey[]; message: string }[] = [];
  // One path array, pushed and popped on the way down; copied only for a problem.
  const path: PropertyKey[] = [...at];
  const walk = (node: unknown, level: number): void => {
    if (found.length >= limit) return;
    if (typeof node === 'string') {
      const problem = textProblem(node);
      if (problem) found.push({ path: [...path], message: problem });
      return;
    }
    if (node === null || typeof node !== 'object') return;
    if (level > maxNesting) {
      found.push({
        path: [...path],
        message: `nested deeper than ${maxNesting} levels; the team server stores at most that`,
      });
      return;
    }
    if (Array.isArray(node)) {
      for (let index = 0; index < node.length; index++) {
        path.push(index);
        walk(node[index], level + 1);
        path.pop();
      }
      return;
    }
    for (const key in node) {
      if (!Object.hasOwn(node, key)) continue;
      const problem = textProblem(key);
      if (problem) {
        found.push({ path: [...path], message: `the key ${show(key)} ${problem}` });
        if (found.length >= limit) return;
      }
      path.push(key);
      walk((node as Record<string, unknown>)[key], level + 1);
      path.pop();
    }
  };
  walk(value, 1);
  return found;
}

/**
 * A zod string the database can hold: refused, with {@link textProblem}'s words, when
 * it holds a NUL character or a lone surrogate. Chain `.min()`, `.max()` as on any string.
 */
export const StorableText = z.string().check((ctx) => {
  const problem = textProblem(ctx.value);
  if (problem) ctx.issues.push({ code: 'custom', input: ctx.value, message: problem });
});

/**
 * {@link valueProblems} as {@link Problem}s, paths written as a person reads them
 * (`contact.firstName`, `row[3].company`) after `prefix`.
 */
export function storableProblems(value: unknown, prefix = ''): Problem[] {
  return valueProblems(value).map((problem) => ({ path: formatPath(problem.path, prefix), message: problem.message }));
}
