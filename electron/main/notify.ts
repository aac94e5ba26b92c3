import type { HostEventPayload } from '../../core/host/contract';
import { taskPath } from './deep-link';

/**
 * Desktop notifications without the `electron` import (tested with a plain EventEmitter):
 * what a shown notification does when clicked, closed, or when the system fails to show it.
 */

/** The part of Electron's `Notification` used here (its `failed` event gives the system's reason). */
export interface ShownNotification {
  on(event: 'click' | 'close', listener: () => void): unknown;
  on(event: 'failed', listener: (event: unknown, error: string) => void): unknown;
  show(): void;
}

/**
 * Shows `notification` and wires it: a click opens the task (`navigate(taskPath)`, or just the
 * window when there is no task); a `failed` event (no notification server, notifications
 * turned off: Electron's Notification `failed`) hands the same words to the window with
 * `failed`, so the app shows them itself and counts them in the tray; `forget` runs once it is
 * over (clicked, closed or failed) so the caller can drop its reference.
 */
export function showNotification(
  notification: ShownNotification,
  content: { title: string; body: string; taskId: string | undefined },
  hooks: {
    navigate(path: string): void;
    showWindow(): void;
    failed(payload: HostEventPayload<'notify/failed'>): void;
    forget(): void;
  },
): void {
  notification.on('click', () => {
    hooks.forget();
    if (content.taskId) hooks.navigate(taskPath(content.taskId));
    else hooks.showWindow();
  });
  notification.on('close', () => hooks.forget());
  notification.on('failed', (_event, error) => {
    hooks.forget();
    hooks.failed({
      title: content.title,
      body: content.body,
      ...(content.taskId ? { taskId: content.taskId } : {}),
      error: String(error),
    });
  });
  notification.show();
}
