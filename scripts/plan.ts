/**
 * `npm run --silent plan -- <scenario.json>`: prints when every step of every person
 * falls due (SPEC §10). Exit 0 with JSON on stdout, or 2 with `error: <path>: <reason>`.
 */
import { readFileSync } from 'node:fs';
import { runPlan } from '../core/plan';

const file = process.argv[2];
if (!file) {
  process.stderr.write('error: (arguments): give a scenario file: npm run --silent plan -- scenario.json\n');
  process.exit(2);
}
let text: string;
try {
  text = readFileSync(file, 'utf8');
} catch (error) {
  process.stderr.write(
    `error: (file): cannot read ${JSON.stringify(file)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`,
  );
  process.exit(2);
}
const result = runPlan(text);
process.stdout.write(result.stdout);
process.stderr.write(result.stderr);
process.exitCode = result.code;
