/**
 * What the error dialogs say. Every message tells the person that their data is safe (the
 * database lives in the user-data folder and nothing here deletes it) and what to do next.
 */

/** What went wrong: an error in the main process, or the window's renderer stopping. */
export type CrashKind = 'main-error' | 'renderer-gone';

export interface CrashMessage {
  title: string;
  message: string;
  detail: string;
  /** Button labels, the first is the default. */
  buttons: string[];
}

/**
 * The dialog for a crash.
 * @param kind `main-error` (uncaught exception or unhandled rejection in main) or
 *   `renderer-gone` (Electron's `render-process-gone`)
 * @param reason the error's message, or the `render-process-gone` reason (`crashed`, `oom`, …)
 * @param logFile where the log is, so the person can send it along
 */
export function crashMessage(kind: CrashKind, reason: string, logFile: string): CrashMessage {
  const safe = 'Your campaigns, contacts and sends are safe: they are stored on this computer and nothing was deleted.';
  const log = `Details are in the log: ${logFile}`;
  if (kind === 'renderer-gone')
    return {
      title: 'Campaign Desk stopped',
      message: 'The Campaign Desk window stopped unexpectedly.',
      detail: `${safe} Reload the window to keep working; if it happens again, quit and reopen Campaign Desk.\n\nReason: ${reason}\n${log}`,
      buttons: ['Reload', 'Quit'],
    };
  return {
    title: 'Campaign Desk hit an error',
    message: 'Something unexpected went wrong in Campaign Desk.',
    detail: `${safe} Restart Campaign Desk to be sure that scheduled sends go out on time.\n\nError: ${reason}\n${log}`,
    buttons: ['Restart', 'Keep Working'],
  };
}
