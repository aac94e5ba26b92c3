import { describe, expect, it } from 'vitest';
import { taskAlertSummary, type TaskAlert } from './task-alerts';

const alert = (title: string): TaskAlert => ({ taskId: title.toLowerCase().replace(/ /g, '-'), title });

describe('taskAlertSummary: the one banner that stands for more than two due tasks', () => {
  it('names the first two to fall due and counts the rest', () => {
    const alerts = ['Call Ana', 'Call Kenji', 'Call Priya', 'Call Luis'].map(alert);
    expect(taskAlertSummary(alerts)).toEqual({ heading: '4 tasks due:', names: 'Call Ana, Call Kenji and 2 more' });
  });

  it('says "1 more" for three', () => {
    const alerts = ['Call Ana', 'Call Kenji', 'Call Priya'].map(alert);
    expect(taskAlertSummary(alerts)).toEqual({ heading: '3 tasks due:', names: 'Call Ana, Call Kenji and 1 more' });
  });
});
