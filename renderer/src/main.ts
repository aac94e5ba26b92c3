import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import DbErrorScreen from './components/DbErrorScreen.vue';
import { setClock } from './db/change';
import { describeOpenFailure, useDb } from './db/database';
import { applyInboxBatch, inboxCursor } from './db/repos/inbox';
import { Engine } from './engine/engine';
import { startInboxWatching } from './inbox/watch';
import { useHost } from './host/client';
import { followHost } from './host/desktop';
import { router, sections } from './router';
import { useSync } from './stores/sync';
import { notifyReplies, useReplyAlerts } from './stores/reply-alerts';
import { alertTaskDue, useTaskAlerts } from './stores/task-alerts';
import './styles.css';

async function start(): Promise<void> {
  const db = useDb();
  // Another window holds an older copy open: say so while waiting (never delete); the app starts once it closes.
  let waiting: ReturnType<typeof createApp> | undefined;
  db.on('blocked', () => {
    if (waiting) return;
    waiting = createApp(
      DbErrorScreen,
      describeOpenFailure(Object.assign(new Error('blocked'), { name: 'DatabaseClosedError' })),
    );
    waiting.mount('#app');
  });
  try {
    await db.open();
    // Dexie opens a database a newer version wrote; it is only usable if every table we need is there.
    const stores = db.backendDB().objectStoreNames;
    const missing = db.tables.filter((table) => !stores.contains(table.name)).map((table) => table.name);
    if (missing.length > 0) {
      db.close();
      throw Object.assign(new Error(`the database has no ${missing.join(', ')} table`), { name: 'VersionError' });
    }
  } catch (error) {
    console.error('database failed to open', error);
    createApp(DbErrorScreen, describeOpenFailure(error)).mount('#app');
    return;
  }
  // Read times by the host's clock from the first screen on (the test clock of the browser tests
  // differs from this computer's; the engine keeps following it once it runs). Never waits long:
  // a host that does not answer yet leaves this computer's clock, as before.
  await Promise.race([
    useHost()
      .call('clock/now', {})
      .then(({ now: hostNow }) => {
        const offset = hostNow - Date.now();
        if (Math.abs(offset) > 1_000) setClock(() => Date.now() + offset);
      })
      .catch(() => undefined),
    new Promise((resolve) => setTimeout(resolve, 1_500)),
  ]);
  // A newer version opened elsewhere: close this copy so the upgrade can go on.
  const app = createApp(App).use(createPinia()).use(router);
  db.on('versionchange', () => {
    db.close();
    app.unmount();
    createApp(DbErrorScreen, {
      title: 'Campaign Desk was updated in another window',
      detail: 'Reload this window to keep working with the new version. Nothing has been lost.',
    }).mount('#app');
    return false;
  });
  waiting?.unmount();
  app.mount('#app');
  // Load every screen's code once the first one shows, so switching screens never waits for it.
  setTimeout(() => {
    for (const section of sections) void section.component();
  }, 300);
  // Desktop shell: follow deep links, menu items and notification clicks; keep the tray's status current.
  const taskAlerts = useTaskAlerts();
  const replyAlerts = useReplyAlerts();
  followHost(useHost(), router, db, () => taskAlerts.alerts.length);
  // A system notification that failed after it was handed over (Electron's `failed`): shown here instead.
  useHost().on('notify/failed', ({ taskId, body }) => {
    if (taskId) taskAlerts.add({ taskId, title: body });
  });
  // Sync with the team server when one is set (Settings → Team sync).
  useSync()
    .start()
    .catch((error: unknown) => console.error('sync did not start', error));
  // The send engine runs in one window only: it arms the host's scheduler and handles what
  // falls due. A second tab of the browser build waits for the lock (it takes over if the
  // first closes), so two engines never claim, recover or send the same step.
  // The lock is let go when this window stops being the app (updated elsewhere): another takes over.
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  db.on('versionchange', () => release());
  const runEngine = async (): Promise<void> => {
    const engine = new Engine(useHost(), {
      taskDueUnshown: (alert) => alertTaskDue(alert, taskAlerts.add, (path) => void router.push(path)),
    });
    // A start that fails (the host not up yet) is tried again, so the lock never sits with a dead engine.
    for (let wait = 1_000; ; wait = Math.min(wait * 2, 30_000)) {
      try {
        await engine.start();
        break;
      } catch (error) {
        console.error('the send engine did not start; trying again', error);
        engine.stop();
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
    // The inbox (SPEC §11) is read in the same one window: replies, bounces and unsubscribes
    // stop or pause people in one transaction per batch, which resumes from the stored cursor.
    const stopInbox = startInboxWatching(useHost(), {
      cursor: inboxCursor,
      apply: async (batch) => {
        const { feed } = await applyInboxBatch(batch);
        // SPEC R15: a reply comes with a notification (after it is stored; never inside the transaction).
        void notifyReplies(feed, useHost(), replyAlerts.add, (path) => void router.push(path)).catch((error: unknown) =>
          console.error('could not tell of a reply', error),
        );
      },
    });
    await released;
    stopInbox();
    engine.stop();
  };
  if (navigator.locks) void navigator.locks.request('campaign-desk-engine', runEngine);
  else void runEngine();
}

void start();
