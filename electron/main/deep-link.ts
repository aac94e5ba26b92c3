/**
 * Deep links: `campaign-desk://campaign/<id>` opens a campaign, `campaign-desk://task/<id>`
 * opens a task in the Command Center. Pure functions, so they are unit-tested in Node.
 */

/** The URL scheme the app registers (electron-builder `protocols` and `setAsDefaultProtocolClient`). */
export const PROTOCOL = 'campaign-desk';

const ID = /^[A-Za-z0-9_-]{1,100}$/;

/** The router path that opens task `taskId` (the Command Center, with that task picked out). */
export function taskPath(taskId: string): string {
  return `/command-center?task=${encodeURIComponent(taskId)}`;
}

/**
 * Turns a deep link into the renderer's router path.
 * @param url any string, e.g. `campaign-desk://campaign/3f2a…` (a trailing slash is allowed)
 * @returns `/campaigns/<id>` or `/command-center?task=<id>`; `null` for anything else
 *   (another scheme, an unknown kind, an id outside `[A-Za-z0-9_-]{1,100}`, extra path parts).
 *   Never throws.
 */
export function parseDeepLink(url: string): string | null {
  if (typeof url !== 'string' || url.length > 400) return null;
  const match = /^campaign-desk:\/\/([a-z]+)\/([^/?#]+)\/?$/i.exec(url.trim());
  if (!match) return null;
  const [, kind, rawId] = match;
  let id: string;
  try {
    id = decodeURIComponent(rawId!);
  } catch {
    return null;
  }
  if (!ID.test(id)) return null;
  switch (kind!.toLowerCase()) {
    case 'campaign':
      return `/campaigns/${id}`;
    case 'task':
      return taskPath(id);
    default:
      return null;
  }
}

/**
 * Finds the first deep link among command-line arguments (how Windows and Linux hand a
 * clicked link to the app: as an argument of a new launch, passed on by `second-instance`).
 * @returns the router path for it, or `null` when no argument is a valid deep link.
 */
export function deepLinkFromArgv(argv: readonly string[]): string | null {
  for (const arg of argv) {
    if (!arg.toLowerCase().startsWith(`${PROTOCOL}://`)) continue;
    const path = parseDeepLink(arg);
    if (path) return path;
  }
  return null;
}
