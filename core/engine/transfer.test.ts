import { describe, expect, it } from 'vitest';
import { classifyTransfer, deliveredMessageId } from './transfer';

describe('classifyTransfer (SPEC §5: in doubt means a person decides)', () => {
  it.each([
    // replyCode, dataHandedOver, expected status
    [null, true, 'unknown'], // dropped, reset or timed out after the final dot
    [null, false, 'retry'], // refused connection, no greeting, dropped before DATA
    [421, false, 'retry'],
    [451, true, 'retry'], // the server answered the data: refused for now, not delivered
    [550, true, 'failed'],
    [554, false, 'failed'],
  ] as const)('reply %s, data handed over %s → %s', (replyCode, dataHandedOver, status) => {
    expect(classifyTransfer({ replyCode, text: ' words ', dataHandedOver })).toMatchObject({
      status,
      message: 'words',
    });
  });
});

describe('deliveredMessageId (SPEC §5: the delivered Message-ID)', () => {
  const ours = '<a1@example.com>';
  it.each([
    [
      '250 2.0.0 OK <AM0PR01MB6417E2@AM0PR01MB6417.eurprd01.prod.exchangelabs.com> [Hostname=AM0PR01MB6417.eurprd01.prod.exchangelabs.com]',
      undefined,
      '<AM0PR01MB6417E2@AM0PR01MB6417.eurprd01.prod.exchangelabs.com>',
    ],
    ['250 2.0.0 OK <a1@example.com> [Hostname=x]', undefined, undefined], // ours, kept
    ['250 2.0.0 Ok: queued as 4Fh2Kx1ZbHz9', undefined, undefined], // Postfix: a queue id, not a Message-ID
    ['250 2.0.0 OK  1772806200 x1-20020a17090a1a0100b002e2c1e0c0d0si1234567pjb.12 - gsmtp', undefined, undefined],
    [
      '250 Ok 0100018b5c3c0a4f-1c2d-000000',
      '<0100018b5c3c0a4f-1c2d-000000@email.amazonses.com>',
      '<0100018b5c3c0a4f-1c2d-000000@email.amazonses.com>',
    ],
  ])('%s → %s', (reply, libraryId, expected) => {
    expect(deliveredMessageId(reply, ours, libraryId)).toBe(expected);
  });
});
