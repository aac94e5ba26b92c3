/**
 * `npm run bench [-- <group> …]`: runs every benchmark group (or the named ones)
 * and prints one line per figure, `BENCH <name> <value> <unit>`.
 * Results and how they were taken are kept in docs/BENCHMARKS.md.
 */
import { benchContactsTable, benchLaunch } from './browser.bench';
import { benchEngine, benchEngineScreen } from './engine.bench';
import { benchInbox } from './inbox.bench';
import { benchInboxImap } from './inbox-imap.bench';
import { benchPlan, benchResolver } from './resolver.bench';
import { benchResults } from './results.bench';
import { benchScheduler } from './scheduler.bench';
import { benchSync, benchSyncConcurrent } from './sync';

const groups: Record<string, () => void | Promise<void>> = {
  resolver: benchResolver,
  plan: benchPlan,
  launch: benchLaunch,
  'contacts-table': benchContactsTable,
  scheduler: benchScheduler,
  sync: benchSync,
  'sync-concurrent': benchSyncConcurrent,
  engine: benchEngine,
  'engine-screen': benchEngineScreen,
  inbox: benchInbox,
  'inbox-imap': benchInboxImap,
  results: benchResults,
};

const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !(name in groups));
if (unknown.length > 0) {
  console.error(
    `error: group: ${unknown.map((name) => JSON.stringify(name)).join(', ')} is not a benchmark group (groups: ${Object.keys(groups).join(', ')})`,
  );
  process.exit(2);
}
for (const name of asked.length > 0 ? asked : Object.keys(groups)) await groups[name]!();
