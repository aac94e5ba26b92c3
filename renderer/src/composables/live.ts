import Dexie, { liveQuery, type ObservabilitySet } from 'dexie';
import { onScopeDispose, shallowRef, watch, type Ref, type WatchSource } from 'vue';

/**
 * How long a live query first rests between re-runs while writes stream in (a send burst
 * writes its step runs, enrollments, outbox and Live Feed rows every few ms), in ms; each
 * further rest of the same burst is twice as long, up to {@link COALESCE_MAX_MS}.
 */
export const COALESCE_MS = 250;
/** The longest rest, in ms; results this close together count as one burst. */
export const COALESCE_MAX_MS = 1_000;

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
 * Dexie's `liveQuery(query)`, re-run at most once per rest while writes stream in, and always
 * ending on the final state.
 *
 * While it is quiet this is Dexie's own live query: the first result and a lone write's re-run
 * arrive at once, and Dexie re-runs the query only for writes that touch what it read. When a
 * result comes less than {@link COALESCE_MAX_MS} after the one before (a burst), it stops
 * listening to Dexie and rests: `throttleMs` at first, twice that for each further rest of the
 * same burst, up to {@link COALESCE_MAX_MS}. A rest ends by subscribing again, which reads
 * everything fresh, if anything was written (Dexie's `storagemutated`, any table) since the
 * last result's run began (and then rests again after that result, however long the run
took); otherwise it waits for the next write and subscribes then. So
 * nothing written is missed, and a quiet query costs nothing.
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
  /** The rest after the next burst result, ms. */
  let restMs = throttleMs;
  /** Writes seen (any table), and the count when the oldest run not yet answered began. */
  let writes = 0;
  let writesAtRun: number | undefined;
  /** Resting with no write since: the next write subscribes. */
  let waitingForWrite = false;
  let stopped = false;
  const onWrite = (_parts: ObservabilitySet): void => {
    writes += 1;
    if (waitingForWrite) {
      waitingForWrite = false;
      subscribe();
    }
  };
  Dexie.on('storagemutated', onWrite);

  const rest = (seen: number): void => {
    subscription?.unsubscribe();
    subscription = undefined;
    const ms = restMs;
    restMs = Math.min(restMs * 2, COALESCE_MAX_MS);
    cancelRest = timer.after(ms, () => {
      cancelRest = undefined;
      if (writes !== seen) readOnce();
      else waitingForWrite = true;
    });
  };
  /** The burst goes on: one plain read of the current state (not live: no re-run for a write during it), then rest again. */
  const readOnce = (): void => {
    const seen = writes;
    void Promise.resolve()
      .then(query)
      .then(
        (value) => {
          if (stopped) return;
          lastResult = timer.now();
          onValue(value);
          rest(seen);
        },
        (error: unknown) => {
          if (stopped) return;
          onError(error);
          rest(seen);
        },
      );
  };
  const subscribe = (): void => {
    if (stopped) return;
    subscription = liveQuery(() => {
      writesAtRun ??= writes;
      return query();
    }).subscribe({
      next: (value) => {
        const seen = writesAtRun ?? writes;
        writesAtRun = undefined;
        const at = timer.now();
        const burst = at - lastResult < COALESCE_MAX_MS;
        lastResult = at;
        if (!burst) restMs = throttleMs;
        onValue(value);
        if (burst) rest(seen);
      },
      error: onError,
    });
  };
  subscribe();
  return () => {
    stopped = true;
    waitingForWrite = false;
    subscription?.unsubscribe();
    cancelRest?.();
    Dexie.on('storagemutated').unsubscribe(onWrite);
  };
}

/**
 * A ref that always holds the current result of `query` (Dexie's liveQuery, coalesced during
 * a burst of writes: {@link coalescedLiveQuery}): any write to the tables it reads, from this
 * window or another, updates it, at once when it is quiet and every {@link COALESCE_MS} to
 * {@link COALESCE_MAX_MS} ms while writes stream in; the last write's state always shows.
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
