import { existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * PGlite is one database in one process: a second process opening the same data folder
 * (a `create-token` while the server runs) would not be seen by the first and can damage
 * the folder. Each process that opens one holds `campaign-desk.pid` in it.
 * @returns the function that lets go of the folder.
 * @throws Error naming the folder and the process holding it, when another live process does.
 */
export function lockDataDir(dataDir: string): () => void {
  if (dataDir.startsWith('memory://')) return () => undefined;
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, 'campaign-desk.pid');
  if (existsSync(path)) {
    const pid = Number(readFileSync(path, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid))
      throw new Error(
        `data folder ${JSON.stringify(dataDir)} is in use by a running sync server (process ${pid}): stop it (Ctrl+C), run this again, then start the server. With DATABASE_URL (PostgreSQL) tokens can be made while servers run.`,
      );
  }
  writeFileSync(path, String(process.pid));
  return () => {
    try {
      if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
    } catch {
      // already gone
    }
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
