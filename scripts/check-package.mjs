#!/usr/bin/env node
/**
 * Packaging check (runs in `npm test`; no Electron binary and no network needed).
 *
 * Runs electron-builder exactly as `npm run package` would, but for the Linux `dir` target
 * and against a stand-in Electron distribution (`electronDist`: a folder with an `electron`
 * file and a locale), then opens the packed `resources/app.asar` and asserts:
 *   - it holds the built main (out/main/index.js), preload (out/preload/index.cjs) and
 *     renderer (out/renderer/index.html, with its Content-Security-Policy meta tag), and a
 *     package.json whose `main` is out/main/index.js;
 *   - no devDependency is packed (vitest, playwright, electron, electron-builder, vue, …),
 *     nor the sync server's or the web host's packages, nor sources, tests or out/bench;
 *   - every package that out/main imports is packed, with all of its own dependencies;
 *   - the Electron fuses of electron-builder.yml were flipped in the (stand-in) binary.
 * Any download attempt fails at once: every proxy variable points at a closed local port.
 * Usage: node scripts/check-package.mjs [--keep]  (--keep leaves the output folder)
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';

const root = join(import.meta.dirname, '..');
const require = createRequire(join(root, 'package.json'));
const asar = require('@electron/asar');
const started = performance.now();
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const electronVersion = JSON.parse(readFileSync(join(root, 'node_modules/electron/package.json'), 'utf8')).version;

/** Packages the desktop app must never carry: the sync server's and the web host's. */
const NOT_IN_APP = ['fastify', '@fastify/cors', 'pg', '@electric-sql/pglite', 'ws', 'sirv'];

let failures = 0;
let passes = 0;
function check(ok, what) {
  if (ok) passes++;
  else {
    failures++;
    console.error(`  ✗ ${what}`);
  }
}

// 1. The built app (npm test builds it first; build here when run alone).
const built = ['out/main/index.js', 'out/preload/index.cjs', 'out/renderer/index.html'];
if (!built.every((file) => existsSync(join(root, file)))) {
  console.log('check-package: building with electron-vite first');
  const build = spawnSync(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

// 2. A stand-in Electron distribution: what electron-builder copies for a Linux `dir` target.
const work = mkdtempSync(join(tmpdir(), 'campaign-desk-package-'));
const dist = join(work, 'electron-dist');
mkdirSync(join(dist, 'locales'), { recursive: true });
mkdirSync(join(dist, 'resources'), { recursive: true });
// It carries Electron's fuse wire (sentinel, wire version 1, 8 fuses at Electron's defaults),
// so electron-builder flips the fuses of electron-builder.yml in it as in the real binary.
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const [ON, OFF] = [0x31, 0x30];
// RunAsNode, CookieEncryption, NODE_OPTIONS, --inspect, AsarIntegrity, OnlyLoadAppFromAsar, V8Snapshot, FileProtocolPrivileges
const defaultFuses = [ON, OFF, ON, ON, OFF, OFF, OFF, ON];
writeFileSync(
  join(dist, 'electron'),
  Buffer.concat([
    Buffer.from('#!/bin/sh\necho "stand-in for the Electron binary (packaging check)"\nexit 0\n# '),
    Buffer.from(FUSE_SENTINEL),
    Buffer.from([1, defaultFuses.length, ...defaultFuses]),
    Buffer.from('\n'),
  ]),
);
chmodSync(join(dist, 'electron'), 0o755);
writeFileSync(join(dist, 'locales', 'en-US.pak'), '');
writeFileSync(join(dist, 'version'), electronVersion);
writeFileSync(join(dist, 'LICENSE'), 'stand-in');

// 3. electron-builder, offline: a download would go to a closed port and fail at once.
const closed = 'http://127.0.0.1:9';
const output = join(work, 'dist');
const builder = spawnSync(
  process.execPath,
  [
    join(root, 'node_modules/electron-builder/cli.js'),
    '--linux',
    'dir',
    '--x64',
    '--publish',
    'never',
    `-c.electronDist=${dist}`,
    `-c.electronVersion=${electronVersion}`,
    `-c.directories.output=${output}`,
  ],
  {
    cwd: root,
    encoding: 'utf8',
    env: {
      ...process.env,
      ELECTRON_BUILDER_OFFLINE: 'true',
      ELECTRON_SKIP_BINARY_DOWNLOAD: '1',
      CSC_IDENTITY_AUTO_DISCOVERY: 'false',
      ELECTRON_BUILDER_CACHE: join(work, 'cache'),
      HTTP_PROXY: closed,
      HTTPS_PROXY: closed,
      http_proxy: closed,
      https_proxy: closed,
      ELECTRON_GET_USE_PROXY: '1',
      GLOBAL_AGENT_HTTP_PROXY: closed,
      GLOBAL_AGENT_HTTPS_PROXY: closed,
      NO_PROXY: '',
      no_proxy: '',
    },
  },
);
if (builder.status !== 0) {
  console.error(builder.stdout, builder.stderr);
  console.error(`check-package: electron-builder failed (exit ${builder.status})`);
  process.exit(1);
}

// 4. What was packed.
const appDir = join(output, 'linux-unpacked');
const archive = join(appDir, 'resources', 'app.asar');
check(existsSync(archive), 'resources/app.asar exists (asar: true)');
check(existsSync(join(appDir, 'campaign-desk')), 'the executable is named campaign-desk');
check(!existsSync(join(appDir, 'resources', 'app')), 'no unpacked resources/app folder');
const binary = readFileSync(join(appDir, 'campaign-desk'));
const wireAt = binary.indexOf(FUSE_SENTINEL) + FUSE_SENTINEL.length + 2;
const fuses = [...binary.subarray(wireAt, wireAt + defaultFuses.length)];
// Expected after electron-builder.yml's electronFuses: only CookieEncryption, AsarIntegrity and
// OnlyLoadAppFromAsar on among the first six; the last two left at Electron's defaults.
const wantFuses = [OFF, ON, OFF, OFF, ON, ON, OFF, ON];
check(
  JSON.stringify(fuses) === JSON.stringify(wantFuses),
  `fuses flipped as configured (got ${fuses.map((f) => String.fromCharCode(f)).join('')}, want ${wantFuses.map((f) => String.fromCharCode(f)).join('')})`,
);
const files = new Set(asar.listPackage(archive, { isPack: false }).map((file) => file.replaceAll('\\', '/')));
const has = (file) => files.has(`/${file}`);
const read = (file) => asar.extractFile(archive, file).toString('utf8');

for (const file of built) check(has(file), `app.asar holds ${file}`);
const packedPkg = JSON.parse(read('package.json'));
check(packedPkg.main === 'out/main/index.js', `package.json main is out/main/index.js (got ${packedPkg.main})`);
check(/http-equiv="Content-Security-Policy"/.test(read('out/renderer/index.html')), 'index.html carries its CSP');
const stray = [...files].filter(
  (file) =>
    !file.startsWith('/node_modules/') &&
    !file.startsWith('/out/main/') &&
    !file.startsWith('/out/preload/') &&
    !file.startsWith('/out/renderer/') &&
    !['/out', '/out/main', '/out/preload', '/out/renderer', '/package.json', '/node_modules'].includes(file),
);
check(
  stray.length === 0,
  `nothing but out/{main,preload,renderer} and package.json at the top (found ${stray.slice(0, 5).join(', ')})`,
);

const packedModules = new Set();
for (const file of files) {
  const match = /^\/node_modules\/((?:@[^/]+\/)?[^/]+)\/package\.json$/.exec(file);
  if (match) packedModules.add(match[1]);
}
for (const name of Object.keys(pkg.devDependencies ?? {}))
  check(!packedModules.has(name), `devDependency ${name} is not packed`);
for (const name of NOT_IN_APP) check(!packedModules.has(name), `${name} (server / web host only) is not packed`);

// Every bare import of the built main and preload, and each one's dependencies, recursively.
const builtins = new Set(require('node:module').builtinModules);
const imports = new Set();
for (const dir of ['out/main', 'out/preload']) {
  for (const file of readdirSync(join(root, dir))) {
    if (!/\.(c|m)?js$/.test(file)) continue;
    const code = readFileSync(join(root, dir, file), 'utf8');
    for (const [, spec] of code.matchAll(/(?:from\s*|import\s*\(?\s*|require\s*\(\s*)["']([^"'.][^"']*)["']/g)) {
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
      if (name === 'electron' || name.startsWith('node:') || builtins.has(name)) continue;
      imports.add(name);
    }
  }
}
check(imports.size > 0, 'found the packages out/main imports');
const missing = [];
const seen = new Set();
function resolvePacked(name, fromDir) {
  // Node's lookup: nested node_modules first, then each parent's, up to the top.
  let dir = fromDir;
  for (;;) {
    const candidate = posix.join(dir, 'node_modules', name);
    if (files.has(`${candidate}/package.json`)) return candidate;
    if (dir === '/') return null;
    const up = posix.dirname(
      dir.endsWith('/node_modules') ? dir : dir.replace(/\/node_modules\/(@[^/]+\/)?[^/]+$/, ''),
    );
    dir = up === dir ? '/' : up;
  }
}
function walk(name, fromDir, chain) {
  const at = resolvePacked(name, fromDir);
  if (!at) {
    missing.push(chain.concat(name).join(' → '));
    return;
  }
  if (seen.has(at)) return;
  seen.add(at);
  const manifest = JSON.parse(read(`${at.slice(1)}/package.json`));
  const optional = new Set(Object.keys(manifest.optionalDependencies ?? {}));
  for (const dep of Object.keys(manifest.dependencies ?? {})) if (!optional.has(dep)) walk(dep, at, chain.concat(name));
}
for (const name of imports) walk(name, '/', ['out/main']);
check(missing.length === 0, `every runtime package is packed (missing: ${missing.join('; ')})`);
for (const name of imports)
  check(Object.hasOwn(pkg.dependencies ?? {}, name), `${name} is a dependency in package.json`);

const bytes = readFileSync(archive).length;
const seconds = ((performance.now() - started) / 1000).toFixed(1);
if (process.argv.includes('--keep')) console.log(`check-package: output kept in ${output}`);
else rmSync(work, { recursive: true, force: true });
console.log(
  `check-package: app.asar ${(bytes / 1048576).toFixed(1)} MB, ${files.size} entries, ${packedModules.size} packages ` +
    `(main imports ${[...imports].sort().join(', ')}); ${seconds} s`,
);
console.log(`check-package: ${passes} passed, ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
