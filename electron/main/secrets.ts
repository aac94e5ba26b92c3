import { app, safeStorage } from 'electron';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SecretStore } from '../host/services';

/**
 * Secrets encrypted with Electron's safeStorage (the OS keychain, DPAPI or libsecret)
 * in one file in the user-data folder; written atomically (temp file + rename).
 */
export function safeStorageSecretStore(): SecretStore {
  const file = join(app.getPath('userData'), 'secrets.json');
  const load = (): Record<string, string> =>
    existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {};
  const save = (all: Record<string, string>): void => {
    writeFileSync(`${file}.tmp`, JSON.stringify(all), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  };
  return {
    async set(key, value) {
      if (!safeStorage.isEncryptionAvailable()) throw new Error('this system offers no secure storage for passwords');
      save({ ...load(), [key]: safeStorage.encryptString(value).toString('base64') });
    },
    async get(key) {
      const sealed = load()[key];
      return sealed === undefined ? undefined : safeStorage.decryptString(Buffer.from(sealed, 'base64'));
    },
    async delete(key) {
      const all = load();
      delete all[key];
      save(all);
    },
  };
}
