/**
 * The real app's screens for the `engine` benchmark: the Command Center or the Live Feed
 * mounted on the bench's database (the renderer's own App, router and stores), live while
 * the engine sends, and a check that each ends on the final state of the burst.
 */
import { createPinia } from 'pinia';
import { createApp, type Component } from 'vue';
import App from '../../renderer/src/App.vue';
import ScheduledFolder from '../../renderer/src/components/command-center/ScheduledFolder.vue';
import { router } from '../../renderer/src/router';
import '../../renderer/src/styles.css';

/** Which screen is open during the burst. */
export type Screen = 'none' | 'command-center' | 'live-feed';

/** A mounted screen: `settled` resolves once it shows the burst's final state. */
export interface Shown {
  settled(): Promise<void>;
  unmount(): void;
}

/** Resolves once `check()` holds (looked at every 20 ms), or rejects after `timeoutMs`. */
function until(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const look = (): void => {
      if (check()) resolve();
      else if (performance.now() - start > timeoutMs) reject(new Error(`the screen never showed ${what}`));
      else setTimeout(look, 20);
    };
    look();
  });
}

const text = (selector: string): string => document.querySelector(selector)?.textContent?.trim() ?? '';
const rows = (selector: string): number => document.querySelectorAll(selector).length;

/** Mounts one app (its own Pinia) on a new element; returns its unmount. */
function mount(component: Component): () => void {
  const element = document.body.appendChild(document.createElement('div'));
  const app = createApp(component).use(createPinia()).use(router);
  app.mount(element);
  return () => {
    app.unmount();
    element.remove();
  };
}

/**
 * Mounts `screen` and waits until it shows the seeded state (`count` people scheduled, for
 * the Command Center). The Command Center is opened on its Sent folder, with the Scheduled
 * folder mounted beside it, so both folders and the tab counts are live during the burst.
 */
export async function mountScreen(screen: Screen, count: number): Promise<Shown> {
  if (screen === 'none') return { settled: async () => undefined, unmount: () => undefined };
  const unmounts: (() => void)[] = [];
  if (screen === 'command-center') {
    await router.push('/command-center?folder=sent');
    unmounts.push(mount(App), mount(ScheduledFolder));
    await until(
      () =>
        text('[data-testid="folder-scheduled"] .count') === String(count) && rows('[data-testid="scheduled-row"]') > 0,
      `${count} scheduled`,
    );
    return {
      // Every email sent: the Sent tab counts them all, its first page is full, nobody is left scheduled.
      settled: () =>
        until(
          () =>
            text('[data-testid="folder-sent"] .count') === String(count) &&
            rows('[data-testid="sent-row"]') === Math.min(count, 100) &&
            text('[data-testid="folder-scheduled"] .count') === '0' &&
            rows('[data-testid="scheduled-row"]') === 0,
          `${count} sent`,
        ),
      unmount: () => unmounts.forEach((unmount) => unmount()),
    };
  }
  await router.push('/live-feed');
  unmounts.push(mount(App));
  await until(() => document.querySelector('.content h1') !== null, 'the Live Feed');
  return {
    // The feed's newest 500 rows are sent emails, and its person filter names all `count` people.
    settled: () =>
      until(
        () =>
          rows('[data-testid="feed-row"][data-kind="email.sent"]') === Math.min(count, 500) &&
          rows('[data-testid="feed-person"] option') === count + 1,
        `${count} sent`,
      ),
    unmount: () => unmounts.forEach((unmount) => unmount()),
  };
}
