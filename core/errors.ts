/**
 * One refusal of bad input: where it is (`path`, as the person would write it,
 * e.g. `campaign.steps[2].send.time`) and why, with the offending value quoted
 * in `message`.
 */
export interface Problem {
  path: string;
  message: string;
}

/**
 * Thrown when input is refused (SPEC §8). `problems` holds every problem found,
 * in input order; `message` is the first one as `<path>: <reason>`.
 */
export class InputError extends Error {
  readonly problems: readonly Problem[];

  constructor(problems: readonly Problem[]) {
    const first = problems[0];
    super(first ? `${first.path}: ${first.message}` : 'invalid input');
    this.name = 'InputError';
    this.problems = problems;
  }
}

/**
 * Thrown when a save was made on a stale copy: the stored record's `version` moved on (another
 * window or device saved it) since this copy was read. An {@link InputError} on `version`, so it
 * reads like any refusal; callers that offer "keep mine / take theirs" test for this class,
 * never for the message's words.
 */
export class VersionConflict extends InputError {
  /** The version stored now. */
  readonly current: number;
  /** The version the save was made on. */
  readonly expected: number;

  constructor(current: number, expected: number, message: string) {
    super([{ path: 'version', message }]);
    this.name = 'VersionConflict';
    this.current = current;
    this.expected = expected;
  }
}

/**
 * Formats a path of keys and indexes as a person reads it: `['steps', 2, 'day']`
 * becomes `steps[2].day`, with an optional prefix (`campaign` → `campaign.steps[2].day`).
 */
export function formatPath(path: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

/** Shows a value inside a message: strings quoted, long values shortened to 60 characters. */
export function show(value: unknown): string {
  let text: string;
  if (value === undefined) text = 'nothing';
  else if (typeof value === 'string') text = JSON.stringify(value);
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      // A cycle, a BigInt, or nesting too deep for the stack (String() recurses too).
      try {
        text = String(value);
      } catch {
        text = Array.isArray(value) ? 'a list nested too deeply to show' : 'a value that cannot be shown';
      }
    }
  }
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/**
 * Thrown by the host when it refuses a call for another reason than its input's shape:
 * `not-found`, no such call; `forbidden`, the caller may not call (a frame that is not the
 * app's page). `path` names what was refused (`call`, `frame`); `message` reads `<path>: <reason>`.
 */
export class CallRefused extends Error {
  constructor(
    readonly type: 'not-found' | 'forbidden',
    readonly path: string,
    reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'CallRefused';
  }
}
