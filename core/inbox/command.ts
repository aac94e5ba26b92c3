import type { Classification, InboxKind } from './classify';

/**
 * One message as the `inbox classify` command prints it (SPEC §13). A public contract,
 * like `plan`'s output: fields may be added, never renamed or removed.
 *
 * - `file`: the path as given on the command line.
 * - `from`: the `From` address, lower case, or null; `inReplyTo`: `<id@domain>` or
 *   null; `references`: the `References` Message-IDs in order.
 * - `bounce`, `autoReply`, `reply`: present only for their kind. `status` is the
 *   RFC 3463 code (`5.1.1`) or null; `permanent` is true when the address itself is bad
 *   (SPEC R15). `returnsOn` is `YYYY-MM-DD` or null. `reply.text` is the reply with the
 *   quote and signature removed.
 */
export interface ClassifiedFile {
  file: string;
  kind: InboxKind;
  from: string | null;
  inReplyTo: string | null;
  references: string[];
  bounce?: { recipients: { address: string; status: string | null; permanent: boolean }[] };
  autoReply?: { returnsOn: string | null };
  reply?: { text: string };
}

/** The command's view of one classification, with exactly SPEC §13's fields. */
export function classifiedFile(file: string, result: Classification): ClassifiedFile {
  const out: ClassifiedFile = {
    file,
    kind: result.kind,
    from: result.from,
    inReplyTo: result.inReplyTo,
    references: result.references,
  };
  if (result.kind === 'bounce' && result.bounce) {
    out.bounce = {
      recipients: result.bounce.recipients.map(({ address, status, permanent }) => ({ address, status, permanent })),
    };
  }
  if (result.kind === 'auto_reply' && result.autoReply) out.autoReply = { returnsOn: result.autoReply.returnsOn };
  if (result.kind === 'reply' && result.reply) out.reply = { text: result.reply.text };
  return out;
}
