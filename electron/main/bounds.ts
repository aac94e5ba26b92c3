import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The main window's size and position, remembered in a small JSON file in the user-data
 * folder. Whatever is read is validated: a damaged file, or a position on a display that
 * is no longer attached, never puts the window off screen.
 */

/** A rectangle in screen pixels (DIP), as Electron's `getBounds()` gives. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** What is stored: the normal (un-maximised) bounds, and whether the window was maximised. */
export interface WindowState {
  bounds: Rect;
  maximized: boolean;
}

/** The smallest window the layout supports (also the BrowserWindow's minWidth/minHeight). */
export const MIN_SIZE = { width: 720, height: 480 } as const;
/** The size a first launch opens at. */
export const DEFAULT_SIZE = { width: 1200, height: 800 } as const;
const MAX_SIDE = 20_000;

const isInt = (value: unknown, min: number, max: number): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;

/**
 * Validates a stored window state against the displays attached now.
 * @param raw the parsed JSON (anything)
 * @param workAreas the work area of every attached display (Electron's `screen.getAllDisplays()`)
 * @returns the state to open with; `null` when `raw` is not a well-formed state. A size
 *   below {@link MIN_SIZE} is raised to it; when less than 64×64 px of the title area would
 *   be on any display, the position is dropped (`x`/`y` NaN: let Electron centre the window)
 *   and the size is clamped to the largest work area.
 */
export function validateWindowState(raw: unknown, workAreas: readonly Rect[]): WindowState | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const { bounds, maximized } = raw as { bounds?: unknown; maximized?: unknown };
  if (typeof bounds !== 'object' || bounds === null) return null;
  const { x, y, width, height } = bounds as Record<string, unknown>;
  if (!isInt(x, -MAX_SIDE, MAX_SIDE) || !isInt(y, -MAX_SIDE, MAX_SIDE)) return null;
  if (!isInt(width, 1, MAX_SIDE) || !isInt(height, 1, MAX_SIDE)) return null;
  const state: WindowState = {
    bounds: { x, y, width: Math.max(width, MIN_SIZE.width), height: Math.max(height, MIN_SIZE.height) },
    maximized: maximized === true,
  };
  if (!workAreas.some((area) => titleVisible(state.bounds, area))) {
    const largest = workAreas.reduce<Rect | undefined>(
      (best, area) => (!best || area.width * area.height > best.width * best.height ? area : best),
      undefined,
    );
    state.bounds = {
      x: Number.NaN,
      y: Number.NaN,
      width: largest ? Math.max(MIN_SIZE.width, Math.min(state.bounds.width, largest.width)) : state.bounds.width,
      height: largest ? Math.max(MIN_SIZE.height, Math.min(state.bounds.height, largest.height)) : state.bounds.height,
    };
  }
  return state;
}

/** Whether at least 64×32 px of the window's top 64 px (where it is dragged) lie inside `area`. */
function titleVisible(bounds: Rect, area: Rect): boolean {
  const left = Math.max(bounds.x, area.x);
  const right = Math.min(bounds.x + bounds.width, area.x + area.width);
  const top = Math.max(bounds.y, area.y);
  const bottom = Math.min(bounds.y + 64, area.y + area.height);
  return right - left >= 64 && bottom - top >= 32;
}

/**
 * Reads and validates the window state file.
 * @returns the validated state, or `null` when the file is missing, not JSON, or invalid
 *   (never throws: a bad file only costs the remembered position).
 */
export function loadWindowState(file: string, workAreas: readonly Rect[]): WindowState | null {
  try {
    return validateWindowState(JSON.parse(readFileSync(file, 'utf8')), workAreas);
  } catch {
    return null;
  }
}

/**
 * Writes the window state atomically (temp file, then rename), creating the folder.
 * @throws the file system's error when the folder cannot be written.
 */
export function saveWindowState(file: string, state: WindowState): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify(state));
  renameSync(`${file}.tmp`, file);
}
