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
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? 'was not found'
      : code === 'EISDIR'
        ? 'is a folder, not a file'
        : `cannot be read (${code ?? (error as Error).message})`;
  process.stderr.write(`error: (file): ${JSON.stringify(file)} ${why}
`);
  process.exit(2);
}
let result: ReturnType<typeof runPlan>;
try {
  result = runPlan(text);
} catch (error) {
  // A refused scenario never lands here (runPlan answers it); this is a bug, still said in one line.
  process.stderr.write(`error: (internal): ${(error as Error).message}; please report this with the scenario file\n`);
  process.exit(1);
}
process.stdout.write(result.stdout);
process.stderr.write(result.stderr);
process.exitCode = result.code;
