import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** A real SMTP server on 127.0.0.1 for one test: it keeps every message, parsed with mailparser. */
export async function startSmtp(
  options: {
    replyDelayMs?: number;
    /**
     * Decides the reply to each message (n counts every DATA, from 1): a refusal such as
     * `{ code: 451, message: '4.7.1 Try again later' }`, or undefined to accept it. Only
     * accepted messages are kept in `received`.
     */
    reply?: (mail: ParsedMail, n: number) => { code: number; message: string } | undefined;
  } = {},
): Promise<{
  port: number;
  received: ParsedMail[];
  /** When each of `received` was accepted, by this machine's clock (`Date.now()`, ms UTC). */
  receivedAt: number[];
  attempts: ParsedMail[];
  close: () => Promise<void>;
}> {
  const received: ParsedMail[] = [];
  const receivedAt: number[] = [];
  const attempts: ParsedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    // The app's pooled connections stay open; at the end of a test do not wait 30 s for them.
    closeTimeout: 200,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          attempts.push(mail);
          const refusal = options.reply?.(mail, attempts.length);
          if (refusal) {
            callback(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
            return;
          }
          received.push(mail);
          receivedAt.push(Date.now());
          // A slow server: the message is in, the reply comes later (a crash can fall in between).
          setTimeout(() => callback(), options.replyDelayMs ?? 0);
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    received,
    receivedAt,
    attempts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
