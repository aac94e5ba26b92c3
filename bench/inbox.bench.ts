import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { classify, parseMessage, type InboxMessage } from '../core/inbox';
import { report, timeIt } from './harness';

const FIXTURES = join(import.meta.dirname, '..', 'core', 'inbox', 'fixtures');
/** Messages per pass: the fixture corpus repeated. */
const PER_PASS = 2_000;
const PASSES = 7;

/**
 * `inbox-classify`: messages per second through `parseMessage` + `classify` (what the
 * host does per fetched message and `inbox classify` per file, less the disk) over the
 * mixed corpus of core/inbox/fixtures (bounces from nine servers, out-of-office replies
 * in eight languages, replies from six clients, a complaint, unsubscribes, other mail),
 * median of 7 passes of 2,000 messages. `inbox-classify-only`: `classify` alone on
 * messages already parsed (the host's IMAP path builds the InboxMessage itself).
 */
export async function benchInbox(): Promise<void> {
  const corpus = readdirSync(FIXTURES)
    .filter((name) => name.endsWith('.eml'))
    .sort()
    .map((name) => new Uint8Array(readFileSync(join(FIXTURES, name))));
  const batch = Array.from({ length: PER_PASS }, (_, i) => corpus[i % corpus.length]!);

  const times: number[] = [];
  let kinds = 0;
  for (let pass = 0; pass < PASSES; pass++) {
    const start = performance.now();
    for (const raw of batch) if (classify(await parseMessage(raw)).kind !== 'other') kinds++;
    times.push(performance.now() - start);
  }
  if (kinds === -1) console.log(kinds);
  const median = [...times].sort((a, b) => a - b)[Math.floor(PASSES / 2)]!;
  report('inbox-classify', Math.round((PER_PASS / median) * 1000), 'messages/s');

  const parsed: InboxMessage[] = await Promise.all(corpus.map((raw) => parseMessage(raw)));
  const parsedBatch = Array.from({ length: PER_PASS }, (_, i) => parsed[i % parsed.length]!);
  const { medianMs } = timeIt(() => parsedBatch.map((message) => classify(message).kind), PASSES);
  report('inbox-classify-only', Math.round((PER_PASS / medianMs) * 1000), 'messages/s');
  report('inbox-corpus', corpus.length, 'messages');
}
