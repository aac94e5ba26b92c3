import { InputError } from '../../core/errors';
import { hostCalls, isHostCallName, type AppInfo, type HostHandlers } from '../../core/host/contract';
import { parseOrThrow } from '../../core/validate';

/**
 * The host services in plain Node (no `electron` import), shared by Electron main
 * and the web host. Later issues add the scheduler, the mailer and the
 * connectivity probe here.
 */

/** Where secrets live: Electron's safeStorage in the app, memory in the web host. */
export interface SecretStore {
  set(key: string, value: string): Promise<void>;
  get(key: string): Promise<string | undefined>;
  delete(key: string): Promise<void>;
}

/**
 * The web host's secret store: memory only, so a password typed into the browser build
 * lasts until the host stops. `CAMPAIGN_DESK_SMTP_PASSWORD`, when set, answers for every
 * mailbox (for running the browser build against a real server).
 */
export function memorySecretStore(env: Record<string, string | undefined> = {}): SecretStore {
  const secrets = new Map<string, string>();
  return {
    set: async (key, value) => void secrets.set(key, value),
    get: async (key) => secrets.get(key) ?? env.CAMPAIGN_DESK_SMTP_PASSWORD,
    delete: async (key) => void secrets.delete(key),
  };
}

export interface HostOptions {
  host: AppInfo['host'];
  version: string;
  testMode?: boolean;
  /** The clock, UTC ms; tests move it. */
  now?: () => number;
  secrets?: SecretStore;
}

/** Creates one handler per call of the host contract. */
export function createHostServices(options: HostOptions): HostHandlers {
  const now = options.now ?? Date.now;
  const secrets = options.secrets ?? memorySecretStore();
  return {
    'app/get-info': async () => ({
      name: 'Campaign Desk',
      version: options.version,
      host: options.host,
      platform: process.platform,
      timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      testMode: options.testMode ?? false,
    }),
    'clock/now': async () => ({ now: now() }),
    'secrets/set': async ({ key, value }) => {
      await secrets.set(key, value);
      return {};
    },
    'secrets/has': async ({ key }) => ({ present: (await secrets.get(key)) !== undefined }),
    'secrets/delete': async ({ key }) => {
      await secrets.delete(key);
      return {};
    },
  };
}

/**
 * Validates `rawInput` against the contract's schema for `name`, then runs its handler.
 * @throws InputError for an unknown call or an input the schema refuses (the message
 *   names the field and the value); nothing runs in that case.
 */
export async function dispatch(handlers: HostHandlers, name: string, rawInput: unknown): Promise<unknown> {
  if (!isHostCallName(name))
    throw new InputError([{ path: 'call', message: `${JSON.stringify(name)} is not a host call` }]);
  const input = parseOrThrow(hostCalls[name].input, rawInput ?? {}, 'input');
  const handler = handlers[name] as (input: unknown) => Promise<unknown>;
  return handler(input);
}
