import { InputError } from '../../core/errors';
import { hostCalls, isHostCallName, type AppInfo, type HostHandlers } from '../../core/host/contract';
import { parseOrThrow } from '../../core/validate';

/**
 * The host services in plain Node (no `electron` import), shared by Electron main
 * and the web host. Later issues add the scheduler, the mailer and the
 * connectivity probe here.
 */

export interface HostOptions {
  host: AppInfo['host'];
  version: string;
  testMode?: boolean;
  /** The clock, UTC ms; tests move it. */
  now?: () => number;
}

/** Creates one handler per call of the host contract. */
export function createHostServices(options: HostOptions): HostHandlers {
  const now = options.now ?? Date.now;
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
