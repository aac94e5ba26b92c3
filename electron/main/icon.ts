import { deflateSync } from 'node:zlib';

/**
 * The app icon, drawn in code: a blue rounded square with a white envelope. The same pixels
 * become the installer icons in `build/` (`scripts/make-icons.ts`) and the tray icon at run
 * time, so no image tool is needed anywhere.
 */

const ACCENT_TOP = [0x3b, 0x6a, 0xf5];
const ACCENT_BOTTOM = [0x24, 0x4b, 0xd0];

/** Signed distance from (px, py) to a rounded box centred at (cx, cy) with half sizes hw, hh and radius r. */
function roundedBox(px: number, py: number, cx: number, cy: number, hw: number, hh: number, r: number): number {
  const qx = Math.abs(px - cx) - hw + r;
  const qy = Math.abs(py - cy) - hh + r;
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
}

/** Distance from (px, py) to the segment (ax, ay)–(bx, by). */
function segment(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}

/** Coverage of the envelope's strokes at a point in unit coordinates (0..1). */
function envelope(u: number, v: number, stroke: number): boolean {
  const outline = Math.abs(roundedBox(u, v, 0.5, 0.5, 0.29, 0.2, 0.04)) <= stroke / 2;
  const flap = Math.min(segment(u, v, 0.23, 0.32, 0.5, 0.53), segment(u, v, 0.77, 0.32, 0.5, 0.53)) <= stroke / 2;
  return outline || flap;
}

/**
 * Draws the icon as RGBA pixels (4 bytes a pixel, rows top to bottom), anti-aliased by 4×4
 * supersampling.
 * @param size width and height in pixels (1..4096)
 * @param style `app`: the full-colour icon; `template`: the envelope alone in black on
 *   transparent, for a macOS menu-bar (template) image
 * @throws RangeError for a size outside 1..4096
 */
export function drawIcon(size: number, style: 'app' | 'template' = 'app'): Uint8Array {
  if (!Number.isInteger(size) || size < 1 || size > 4096) throw new RangeError(`icon size ${size} is not 1..4096`);
  const pixels = new Uint8Array(size * size * 4);
  const samples = 4;
  // Thicker strokes at tiny sizes, so the envelope still reads at 16 px.
  const stroke = size <= 24 ? 0.11 : size <= 48 ? 0.08 : 0.06;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let inside = 0;
      let white = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const u = (x + (sx + 0.5) / samples) / size;
          const v = (y + (sy + 0.5) / samples) / size;
          const mark = envelope(u, v, stroke);
          if (style === 'template') {
            if (mark) white++;
            continue;
          }
          if (roundedBox(u, v, 0.5, 0.5, 0.46, 0.46, 0.2) <= 0) {
            inside++;
            if (mark) white++;
          }
        }
      }
      const total = samples * samples;
      const at = (y * size + x) * 4;
      if (style === 'template') {
        pixels[at + 3] = Math.round((255 * white) / total);
        continue;
      }
      const t = y / Math.max(1, size - 1);
      const mix = white / Math.max(1, inside);
      for (let c = 0; c < 3; c++) {
        const base = ACCENT_TOP[c]! + (ACCENT_BOTTOM[c]! - ACCENT_TOP[c]!) * t;
        pixels[at + c] = Math.round(base + (255 - base) * mix);
      }
      pixels[at + 3] = Math.round((255 * inside) / total);
    }
  }
  return pixels;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * Encodes RGBA pixels as a PNG (8-bit RGBA, no interlace, filter 0 on every row).
 * @param rgba `width * height * 4` bytes, rows top to bottom
 * @throws RangeError when `rgba` has the wrong length
 */
export function encodePng(width: number, height: number, rgba: Uint8Array): Buffer {
  if (rgba.length !== width * height * 4)
    throw new RangeError(`expected ${width * height * 4} bytes, got ${rgba.length}`);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8);
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0;
    raw.set(rgba.subarray(y * width * 4, (y + 1) * width * 4), y * (width * 4 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', new Uint8Array()),
  ]);
}

/** The icon at `size` px as PNG bytes (see {@link drawIcon}). */
export function iconPng(size: number, style: 'app' | 'template' = 'app'): Buffer {
  return encodePng(size, size, drawIcon(size, style));
}
