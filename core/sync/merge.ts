/**
 * The three-way merge the sync server runs when a pushed row was edited on a stale
 * version: `base` (the row as the client last had it), `mine` (the client's new row)
 * and `theirs` (the server's current row). Pure; JSON values only.
 */

/** A JSON value as stored in a row. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * The merged value and the paths where both sides changed the same thing to different
 * values (there the merged value keeps `theirs`). Paths read like `steps[id=s2].body`;
 * `(root)` means the whole value.
 */
export interface MergeResult<T> {
  value: T;
  conflicts: string[];
}

/** Deep equality of JSON values; object key order does not matter. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    return a.every((item, index) => deepEqual(item, b[index]));
  }
  const aRecord = a as Record<string, unknown>;
  const bRecord = b as Record<string, unknown>;
  const aKeys = Object.keys(aRecord).filter((key) => aRecord[key] !== undefined);
  const bKeys = Object.keys(bRecord).filter((key) => bRecord[key] !== undefined);
  if (aKeys.length !== bKeys.length) return false;
  return aKeys.every((key) => Object.hasOwn(bRecord, key) && deepEqual(aRecord[key], bRecord[key]));
}

/**
 * Merges `mine` into `theirs` given their common `base`:
 * - a value changed on one side only takes that side;
 * - objects merge key by key (a key added on one side is kept, a key removed on one
 *   side and untouched on the other is removed);
 * - arrays whose elements are all objects with a distinct string or number `id` merge
 *   element by element by id: elements added on either side are kept, an element
 *   removed on one side and unchanged on the other is removed, and one removed on one
 *   side but edited on the other is kept edited (and reported as a conflict); the
 *   order is mine's when theirs kept base's order, else theirs', with the other
 *   side's new elements placed after their predecessor;
 * - anything else changed on both sides to different values keeps `theirs` and its
 *   path is listed in `conflicts`.
 * - the top-level bookkeeping fields `updatedAt` and `version` take the larger number
 *   and never conflict (every edit stamps them, on both sides).
 * `base` undefined means neither side had the value before (both added it).
 * Never throws; the inputs are not modified.
 */
export function threeWayMerge<T>(base: unknown, mine: T, theirs: T): MergeResult<T> {
  const conflicts: string[] = [];
  const value = mergeValue(base, mine, theirs, '', conflicts) as T;
  return { value, conflicts };
}

function mergeValue(base: unknown, mine: unknown, theirs: unknown, path: string, conflicts: string[]): unknown {
  if (deepEqual(mine, theirs)) return theirs;
  if (deepEqual(base, mine)) return theirs;
  if (deepEqual(base, theirs)) return mine;
  if (isPlainObject(mine) && isPlainObject(theirs)) {
    return mergeObjects(isPlainObject(base) ? base : undefined, mine, theirs, path, conflicts);
  }
  if (Array.isArray(mine) && Array.isArray(theirs)) {
    const baseArray = Array.isArray(base) ? base : [];
    if (isIdArray(mine) && isIdArray(theirs) && isIdArray(baseArray))
      return mergeIdArrays(baseArray, mine, theirs, path, conflicts);
  }
  conflicts.push(path === '' ? '(root)' : path);
  return theirs;
}

/** Top-level fields every edit stamps (see mergeObjects). */
const BOOKKEEPING = new Set(['updatedAt', 'version']);

function mergeObjects(
  base: Record<string, unknown> | undefined,
  mine: Record<string, unknown>,
  theirs: Record<string, unknown>,
  path: string,
  conflicts: string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keys = [...Object.keys(theirs), ...Object.keys(mine).filter((key) => !Object.hasOwn(theirs, key))];
  for (const key of keys) {
    // Bookkeeping, not content: both sides stamp `updatedAt` and bump `version` on every edit.
    // The later stamp and the higher version stand; that alone is never a conflict.
    if (path === '' && BOOKKEEPING.has(key) && typeof mine[key] === 'number' && typeof theirs[key] === 'number') {
      out[key] = Math.max(mine[key], theirs[key]);
      continue;
    }
    const merged = mergeValue(base?.[key], mine[key], theirs[key], path === '' ? key : `${path}.${key}`, conflicts);
    if (merged !== undefined) out[key] = merged;
  }
  return out;
}

type WithId = Record<string, unknown> & { id: string | number };

function isIdArray(items: unknown[]): items is WithId[] {
  const ids = new Set<unknown>();
  for (const item of items) {
    if (!isPlainObject(item)) return false;
    const id = item.id;
    if ((typeof id !== 'string' && typeof id !== 'number') || ids.has(id)) return false;
    ids.add(id);
  }
  return true;
}

function mergeIdArrays(base: WithId[], mine: WithId[], theirs: WithId[], path: string, conflicts: string[]): WithId[] {
  const byId = (items: WithId[]) => new Map(items.map((item) => [item.id, item]));
  const baseById = byId(base);
  const mineById = byId(mine);
  const theirsById = byId(theirs);
  const kept = new Map<string | number, WithId>();
  for (const id of new Set([...theirsById.keys(), ...mineById.keys(), ...baseById.keys()])) {
    const elementPath = `${path}[id=${String(id)}]`;
    const b = baseById.get(id);
    const m = mineById.get(id);
    const t = theirsById.get(id);
    if (m === undefined && t === undefined) continue;
    if (b !== undefined && m === undefined) {
      // Removed in mine: gone unless theirs edited it meanwhile (an edit outlives a delete).
      if (deepEqual(b, t)) continue;
      conflicts.push(elementPath);
      kept.set(id, t!);
    } else if (b !== undefined && t === undefined) {
      if (deepEqual(b, m)) continue;
      conflicts.push(elementPath);
      kept.set(id, m!);
    } else if (m === undefined) kept.set(id, t!);
    else if (t === undefined) kept.set(id, m);
    else kept.set(id, mergeValue(b, m, t, elementPath, conflicts) as WithId);
  }

  // Order: theirs' if theirs reordered base's elements, else mine's; the other side's
  // elements that the skeleton lacks go right after their nearest kept predecessor.
  const theirsReordered = !sameRelativeOrder(base, theirs);
  const [skeleton, other] = theirsReordered ? [theirs, mine] : [mine, theirs];
  const order = skeleton.map((item) => item.id).filter((id) => kept.has(id));
  const placed = new Set(order);
  const insert = (items: WithId[]) => {
    items.forEach((item, index) => {
      if (placed.has(item.id) || !kept.has(item.id)) return;
      let at = 0;
      for (let back = index - 1; back >= 0; back--) {
        const found = order.indexOf(items[back]!.id);
        if (found >= 0) {
          at = found + 1;
          break;
        }
      }
      order.splice(at, 0, item.id);
      placed.add(item.id);
    });
  };
  insert(other);
  insert(base);
  return order.map((id) => kept.get(id)!);
}

/** True when the elements `changed` shares with `base` appear in base's order. */
function sameRelativeOrder(base: WithId[], changed: WithId[]): boolean {
  const inChanged = new Set(changed.map((item) => item.id));
  const inBase = new Set(base.map((item) => item.id));
  const a = base.map((item) => item.id).filter((id) => inChanged.has(id));
  const b = changed.map((item) => item.id).filter((id) => inBase.has(id));
  return a.every((id, index) => id === b[index]);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
