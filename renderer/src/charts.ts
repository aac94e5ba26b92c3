import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  Legend,
} from 'chart.js';
import { MatrixController, MatrixElement } from 'chartjs-chart-matrix';

/**
 * Chart.js with only what the results screen and the Campaigns list draw registered (bar, line
 * and the matrix of chartjs-chart-matrix), so the bundle keeps just those.
 */
Chart.register(
  BarController,
  BarElement,
  LineController,
  LineElement,
  PointElement,
  CategoryScale,
  LinearScale,
  Filler,
  Tooltip,
  Legend,
  MatrixController,
  MatrixElement,
);

export { Chart };

/** The app's colours (styles.css variables), as charts need them. */
export interface ChartColors {
  accent: string;
  accentSoft: string;
  ink: string;
  muted: string;
  line: string;
  ok: string;
  bad: string;
  panel: string;
}

/** Reads the app's colours from its CSS variables (with the shipped values as fallbacks). */
export function chartColors(): ChartColors {
  const css = getComputedStyle(document.documentElement);
  const read = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return {
    accent: read('--accent', '#2f5bea'),
    accentSoft: read('--accent-soft', '#e8eefe'),
    ink: read('--ink', '#1d2330'),
    muted: read('--muted', '#5d6677'),
    line: read('--line', '#e3e6ec'),
    ok: read('--ok', '#1f9d55'),
    bad: read('--bad', '#d64545'),
    panel: read('--panel', '#ffffff'),
  };
}
