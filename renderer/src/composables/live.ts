import { liveQuery } from 'dexie';
import { onScopeDispose, shallowRef, watch, type Ref, type WatchSource } from 'vue';

/**
 * A ref that always holds the current result of `query` (Dexie's liveQuery): any
 * write to the tables it reads, from this window or another, updates it.
 * `deps` re-run the query when they change (e.g. a search box).
 * @returns `undefined` until the first result arrives.
 */
export function useLiveQuery<T>(query: () => Promise<T> | T, deps: WatchSource[] = []): Ref<T | undefined> {
  const result = shallowRef<T>();
  let subscription: { unsubscribe(): void } | undefined;
  const start = (): void => {
    subscription?.unsubscribe();
    subscription = liveQuery(query).subscribe({
      next: (value) => (result.value = value),
      error: (error: unknown) => console.error('live query failed', error),
    });
  };
  start();
  if (deps.length > 0) watch(deps, start);
  onScopeDispose(() => subscription?.unsubscribe());
  return result;
}
