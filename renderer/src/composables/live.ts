import Dexie, { liveQuery, type ObservabilitySet } from 'dexie';
import { onScopeDispose, shallowRef, watch, type Ref, type WatchSource } from 'vue';

/**
 * How long a live query rests between re-runs while writes stream in (a send burst writes
 * its step runs, enrollments, outbox and Live Feed rows every few ms), in ms.
 */
export const COALESCE_MS = 250;

/** What {@link coalescedLiveQuery} needs of time; tests pass their own. */
export interface CoalesceTimer {
  /** A monotonic clock, ms. */
  now(): number;
  /** Calls `run` after `ms`; returns its cancel. */
  after(ms: number, run: () => void): () => void;
}

const realTimer: CoalesceTimer = {
  now: () => performance.now(),
  after(ms, run) {
    const id = setTimeout(run, ms);
    return () => clearTimeout(id);
  },
};

/**
 * Dexie's `liveQuery(query)`, re-run at most about once per `throttleMs` while writes stream in,
 * and always ending on the final state.
 *
 * While it is quiet this is Dexie's own live query: the first result and a lone write's re-run
 * arrive at once, and Dexie re-runs the query only for writes that touch what it read. Once two
 * results come less than `throttleMs` apart (a burst), it stops listening to Dexie for
 * `throttleMs` and then subscribes again, which reads everything fresh, so nothing written in
 * between is missed. If anything was written meanwhile (Dexie's `storagemutated`, any table), it
 * rests again after that one result; when a rest saw no write, it stays subscribed.
 * Neither Dexie (4.4) nor VueUse offers this: throttling the emitted values (RxJS `throttleTime`,
 * VueUse `refThrottled`) still lets Dexie re-run the query on every write.
 * @param onValue receives each result; `onError` each failure (the query keeps being watched).
 * @returns the stop: no more runs or results.
 */
export function coalescedLiveQuery<T>(
  query: () => Promise<T> | T,
  onValue: (value: T) => void,
  options: { throttleMs?: number; timer?: CoalesceTimer; onError?: (error: unknown) => void } = {},
): () => void {
  const throttleMs = options.throttleMs ?? COALESCE_MS;
  const timer = options.timer ?? realTimer;
  const onError = options.onError ?? ((error: unknown) => console.error('live query failed', error));
  let subscription: { unsubscribe(): void } | undefined;
  let cancelRest: (() => void) | undefined;
  let lastResult = -Infinity;
  let writes = 0;
  let writesAtRest = 0;
  /** A rest just ended with writes seen during it: the burst goes on, rest after the next result. */
  let burstGoesOn = false;
  let stopped = false;
  const onWrite = (_parts: ObservabilitySet): void => {
    writes += 1;
  };
  Dexie.on('storagemutated', onWrite);

  const rest = (): void => {
    subscription?.unsubscribe();
    subscription = undefined;
    writesAtRest = writes;
    cancelRest = timer.after(throttleMs, () => {
      cancelRest = undefined;
      burstGoesOn = writes !== writesAtRest;
      subscribe();
    });
  };
  const subscribe = (): void => {
    if (stopped) return;
    subscription = liveQuery(query).subscribe({
      next: (value) => {
        const at = timer.now();
        const rapid = at - lastResult < throttleMs || burstGoesOn;
        lastResult = at;
        burstGoesOn = false;
        onValue(value);
        if (rapid) rest();
      },
      error: onError,
    });
  };
  subscribe();
  return () => {
    stopped = true;
    subscription?.unsubscribe();
    cancelRest?.();
    Dexie.on('storagemutated').unsubscribe(onWrite);
  };
}

/**
 * A ref that always holds the current result of `query` (Dexie's liveQuery, coalesced during
 * a burst of writes: {@link coalescedLiveQuery}): any write to the tables it reads, from this
 * window or another, updates it, at most about every {@link COALESCE_MS} ms while writes
 * stream in, and the last write's state always shows.
 * `deps` re-run the query at once when they change (e.g. a search box, "Show more").
 * @returns `undefined` until the first result arrives.
 */
export function useLiveQuery<T>(query: () => Promise<T> | T, deps: WatchSource[] = []): Ref<T | undefined> {
  const result = shallowRef<T>();
  let stop: (() => void) | undefined;
  const start = (): void => {
    stop?.();
    stop = coalescedLiveQuery(query, (value) => (result.value = value));
  };
  start();
  if (deps.length > 0) watch(deps, start);
  onScopeDispose(() => stop?.());
  return result;
}
