import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { HostEventPayload } from '../../core/host/contract';
import { showNotification } from './notify';

/** Stands in for Electron's Notification: an EventEmitter that remembers being shown. */
class FakeNotification extends EventEmitter {
  shown = 0;
  show(): void {
    this.shown++;
  }
}

function wire(taskId: string | undefined) {
  const notification = new FakeNotification();
  const seen = { navigated: [] as string[], windows: 0, failed: [] as HostEventPayload<'notify/failed'>[], forgot: 0 };
  showNotification(
    notification,
    { title: 'Task due', body: 'Call Ana Silva', taskId },
    {
      navigate: (path) => seen.navigated.push(path),
      showWindow: () => seen.windows++,
      failed: (payload) => seen.failed.push(payload),
      forget: () => seen.forgot++,
    },
  );
  return { notification, seen };
}

describe('desktop notifications', () => {
  it('a notification the system fails to show goes to the window with its task, once', () => {
    const { notification, seen } = wire('task-1');
    expect(notification.shown).toBe(1);
    notification.emit('failed', {}, 'org.freedesktop.Notifications was not provided by any .service files');
    expect(seen.failed).toEqual([
      {
        title: 'Task due',
        body: 'Call Ana Silva',
        taskId: 'task-1',
        error: 'org.freedesktop.Notifications was not provided by any .service files',
      },
    ]);
    expect(seen.forgot).toBe(1);
    expect(seen.navigated).toEqual([]);
  });

  it('a clicked notification opens its task; one with no task just shows the window', () => {
    const withTask = wire('task 2');
    withTask.notification.emit('click');
    expect(withTask.seen.navigated).toEqual(['/command-center?task=task%202']);
    const without = wire(undefined);
    without.notification.emit('click');
    expect(without.seen).toMatchObject({ navigated: [], windows: 1, forgot: 1 });
  });
});
