import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** The repository root (the Electron app's folder: package.json `main` is out/main/index.js). */
export const appRoot = join(import.meta.dirname, '..', '..');

/**
 * Where the Electron binary is: `ELECTRON_PATH`, else the one the `electron` package
 * downloaded at install (node_modules/electron/dist). On machines that cannot download
 * it, neither exists.
 * @returns the executable's path and `null` reason, or `null` path and why it is missing.
 */
export function findElectron(): { path: string | null; reason: string } {
  if (process.env.ELECTRON_PATH) {
    return existsSync(process.env.ELECTRON_PATH)
      ? { path: process.env.ELECTRON_PATH, reason: '' }
      : { path: null, reason: `ELECTRON_PATH=${process.env.ELECTRON_PATH} does not exist` };
  }
  const require = createRequire(join(appRoot, 'package.json'));
  const pkgDir = join(require.resolve('electron/package.json'), '..');
  const pathFile = join(pkgDir, 'path.txt');
  if (!existsSync(pathFile))
    return {
      path: null,
      reason:
        'the Electron binary is not installed (node_modules/electron/path.txt is missing: its download failed or was skipped). ' +
        'On a machine with internet, run "node node_modules/electron/install.js" or set ELECTRON_PATH.',
    };
  const binary = join(pkgDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary)
    ? { path: binary, reason: '' }
    : { path: null, reason: `the Electron binary ${binary} is missing` };
}
