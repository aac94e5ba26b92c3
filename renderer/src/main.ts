import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import DbErrorScreen from './components/DbErrorScreen.vue';
import { describeOpenFailure, useDb } from './db/database';
import { router } from './router';
import './styles.css';

async function start(): Promise<void> {
  const db = useDb();
  // Another window upgrading the schema: wait, never delete.
  db.on('blocked', () => undefined);
  try {
    await db.open();
  } catch (error) {
    console.error('database failed to open', error);
    createApp(DbErrorScreen, describeOpenFailure(error)).mount('#app');
    return;
  }
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
  app.mount('#app');
}

void start();
