import { computed, getCurrentScope, onScopeDispose, ref } from 'vue';
import { VersionConflict } from '../../../core/errors';

/**
 * Where an autosaved edit is: `idle` (everything saved), `pending` (an edit waits for its save),
 * `saving` (a save is under way), `error` (the last save was refused; nothing more is saved until
 * the person chooses, see {@link Autosave.error}).
 */
export type AutosaveStatus = 'idle' | 'pending' | 'saving' | 'error';

/** Why the last save was refused: the store's words, and whether another window saved first (a {@link VersionConflict}). */
export interface AutosaveError {
  message: string;
  conflict: boolean;
}

export interface AutosaveOptions<T> {
  /** The edited value as it is now, or undefined while nothing is loaded (then nothing is saved). */
  read: () => T | undefined;
  /**
   * Stores `value` over the copy at `expectedVersion` and returns the stored version.
   * Throws {@link VersionConflict} when the stored copy moved on (another window or device saved
   * it): the composable tells that apart by its class, never by its message.
   */
  save: (value: T, expectedVersion: number) => Promise<{ version: number }>;
  /** How long typing waits after the last key before it is saved, in ms (default 400). */
  delayMs?: number;
}

export type Autosave = ReturnType<typeof useAutosave>;

/**
 * Saves an edited value on its own: typing `delayMs` after the last key, structural edits at once.
 * Saves never overlap, so each one carries the version the one before produced; a refused save
 * stops saving and says why until the person retries or picks a side of a conflict. When the
 * surrounding component (effect scope) goes, what is pending is saved.
 */
export function useAutosave<T>(options: AutosaveOptions<T>) {
  const delayMs = options.delayMs ?? 400;
  /** The stored version this window's edits are made on. */
  const version = ref(0);
  const status = ref<AutosaveStatus>('idle');
  /** Why the last save was refused; while set, the editor shows it with a way out. */
  const error = ref<AutosaveError>();
  /** The words beside the campaign's status: what a person reads to know their edits are safe. */
  const statusText = computed(() =>
    status.value === 'idle' ? 'All changes saved' : status.value === 'error' ? 'Not saved' : 'Saving…',
  );

  let timer: ReturnType<typeof setTimeout> | undefined;
  let inflight: Promise<void> | undefined;

  /** Records an edit: it is saved `delayMs` later, or now with `immediate` (add, move, delete, settings). */
  function changed(immediate = false): void {
    status.value = 'pending';
    clearTimeout(timer);
    if (immediate) void flush();
    else timer = setTimeout(() => void flush(), delayMs);
  }

  /** Saves a pending edit now, after any save under way; resolves when the value is stored or refused. */
  async function flush(): Promise<void> {
    clearTimeout(timer);
    while (inflight) await inflight;
    if (status.value !== 'pending') return;
    const value = options.read();
    if (value === undefined) return;
    status.value = 'saving';
    inflight = (async () => {
      try {
        const saved = await options.save(value, version.value);
        version.value = saved.version;
        // An edit made while this save was under way is still pending: it keeps its status.
        if (status.value === 'saving') status.value = 'idle';
        // A refused value (e.g. a NUL character pasted into a body) was corrected: the banner goes.
        if (error.value && !error.value.conflict) error.value = undefined;
      } catch (thrown) {
        status.value = 'error';
        error.value = {
          message: thrown instanceof Error ? thrown.message : String(thrown),
          conflict: thrown instanceof VersionConflict,
        };
      }
    })();
    await inflight;
    inflight = undefined;
  }

  /**
   * Whether a stored copy at `storedVersion` should replace the edited value: the first one loaded,
   * or a newer one another window saved while nothing is pending here. A late notice of an older
   * copy (this window's own earlier save) never rolls the edits back.
   */
  function takesStored(storedVersion: number, loaded: boolean): boolean {
    return !loaded || (status.value === 'idle' && storedVersion > version.value);
  }

  /** The edited value now equals the stored copy at `storedVersion` (just loaded, or taken after a conflict). */
  function adopt(storedVersion: number): void {
    clearTimeout(timer);
    version.value = storedVersion;
    error.value = undefined;
    status.value = 'idle';
  }

  /** After a refused save: save this window's value again, over the copy stored now at `storedVersion`. */
  async function retry(storedVersion: number): Promise<void> {
    error.value = undefined;
    version.value = storedVersion;
    status.value = 'pending';
    await flush();
  }

  if (getCurrentScope()) onScopeDispose(() => void flush());

  return { version, status, error, statusText, changed, flush, takesStored, adopt, retry };
}
