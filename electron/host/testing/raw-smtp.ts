import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A raw SMTP peer on 127.0.0.1 for fault tests: it speaks just enough SMTP (greeting, EHLO,
 * MAIL, RCPT, DATA, RSET, NOOP, QUIT) over a plain TCP socket and, once the message data
 * ends with the final dot, does what the test says — reply with any text (Exchange Online's
 * `250 2.0.0 OK <id@…prod.exchangelabs.com> [Hostname=…]`), or close the socket without a
 * word, as a dropped connection does. It keeps every message it read in full.
 */
export interface RawSmtpPeer {
  port: number;
  /** Every message whose data ended with the final dot, raw, in arrival order. */
  received: string[];
  /** The Message-ID header of each received message. */
  messageIds(): string[];
  close(): Promise<void>;
}

/** What the peer does after the final dot of message number `n` (1-based): a reply line, or `'drop'`. */
export type AfterData = (n: number) => string | 'drop';

/** Starts a raw SMTP peer; `after` decides each message's fate after its data. */
export async function startRawSmtp(after: AfterData): Promise<RawSmtpPeer> {
  const received: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffer = '';
    let inData = false;
    const say = (line: string): void => {
      if (!socket.destroyed) socket.write(`${line}\r\n`);
    };
    say('220 raw.test ESMTP');
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          const data = buffer.slice(0, end + 2);
          buffer = buffer.slice(end + 5);
          inData = false;
          received.push(data);
          const fate = after(received.length);
          if (fate === 'drop') {
            socket.destroy();
            return;
          }
          say(fate);
          continue;
        }
        const newline = buffer.indexOf('\r\n');
        if (newline < 0) return;
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') say('250 raw.test');
        else if (verb === 'HELO' || verb === 'MAIL' || verb === 'RCPT' || verb === 'RSET' || verb === 'NOOP')
          say('250 OK');
        else if (verb === 'DATA') {
          inData = true;
          say('354 End data with <CR><LF>.<CR><LF>');
        } else if (verb === 'QUIT') {
          say('221 Bye');
          socket.end();
        } else say('502 Command not implemented');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    received,
    messageIds: () => received.map((raw) => /^Message-ID:\s*(<[^>]+>)/im.exec(raw)?.[1] ?? '?'),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
