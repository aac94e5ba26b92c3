import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { iconPng } from '../electron/main/icon';

/**
 * Writes the installer icons into build/: `icon.png` (1024 px; electron-builder makes the
 * macOS .icns and Windows .ico from it) and `icons/<n>x<n>.png` at every size Linux desktops
 * use. Run `npm run icons` after changing electron/main/icon.ts; the PNGs are committed.
 */
const root = join(import.meta.dirname, '..', 'build');
mkdirSync(join(root, 'icons'), { recursive: true });
writeFileSync(join(root, 'icon.png'), iconPng(1024));
for (const size of [16, 24, 32, 48, 64, 128, 256, 512, 1024])
  writeFileSync(join(root, 'icons', `${size}x${size}.png`), iconPng(size));
console.log(`icons written to ${root}`);
