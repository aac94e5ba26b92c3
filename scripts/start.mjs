#!/usr/bin/env node
/**
 * `npm start`: builds the app and opens the desktop window. Where Electron's
 * binary cannot be had (it is downloaded on first launch, and some machines have
 * no internet), it says so in one line and serves the browser build with the
 * local web host instead, printing the address to open.
 * Set CAMPAIGN_DESK_WEB=1 to go straight to the browser build.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', process.platform === 'win32' ? `${name}.cmd` : name);
const run = (command, args, options = {}) =>
  spawnSync(command, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32', ...options });

console.log('Building Campaign Desk… (about a minute the first time)');
const build = run(bin('electron-vite'), ['build'], { stdio: ['ignore', 'ignore', 'inherit'] });
if (build.status !== 0) {
  console.error('error: the build failed (see above); nothing was started.');
  process.exit(build.status ?? 1);
}

/** The Electron executable, fetching it once if it is missing; undefined when it cannot be had. */
function electronBinary() {
  if (process.env.CAMPAIGN_DESK_WEB === '1') return undefined;
  const pkg = join(root, 'node_modules', 'electron');
  const pathFile = join(pkg, 'path.txt');
  if (!existsSync(pathFile)) {
    console.log("Fetching Electron's desktop binary (once; it needs the internet)…");
    const fetch = run(process.execPath, [join(pkg, 'install.js')], { stdio: 'ignore', timeout: 300_000 });
    if (fetch.status !== 0 || !existsSync(pathFile)) return undefined;
  }
  const executable = join(pkg, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(executable) ? executable : undefined;
}

const electron = electronBinary();
if (electron) {
  const child = spawn(electron, ['.'], { cwd: root, stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  console.log(
    process.env.CAMPAIGN_DESK_WEB === '1'
      ? 'CAMPAIGN_DESK_WEB=1: Campaign Desk runs as a browser app:'
      : "Electron's desktop binary is not available here (it downloads on first launch and this machine could not fetch it), so Campaign Desk runs as a browser app instead:",
  );
  console.log('Keep the page open while campaigns run: in the browser app, emails and tasks go out from the page.');
  const host = spawn(bin('tsx'), [join(root, 'electron', 'host', 'cli.ts')], {
    cwd: root,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => host.kill(signal));
  host.on('exit', (code) => process.exit(code ?? 0));
}
