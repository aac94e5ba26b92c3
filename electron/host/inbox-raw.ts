import type { InboxMessage, InboxPart } from './inbox-watch';

/**
 * Rebuilds a raw RFC 5322 message from what the INBOX watcher fetched (the header block, the
 * BODYSTRUCTURE, the decoded text parts), so the renderer's classifier parses it as it parses a
 * `.eml` file. The watcher never fetches attachments: their parts keep their Content-Type,
 * disposition and file name, with an empty body. Text parts come back decoded, so each is
 * written as UTF-8 with `Content-Transfer-Encoding: 8bit` (RFC 6152); multipart boundaries are
 * new ones (RFC 2046 §5.1.1), and the root's Content-Type / Content-Transfer-Encoding header
 * lines are replaced by ones that say so. Every other header line is kept exactly as received.
 *
 * @returns the message as a string with CRLF line ends (encode as UTF-8 to get its bytes).
 */
export function rebuildRawMessage(message: InboxMessage): string {
  const texts = new Map(message.textParts.map((p) => [p.part, p.text]));
  let boundaries = 0;
  const boundaryTag = message.uid.toString(36);

  const writePart = (node: InboxPart, root: boolean): { headers: string[]; body: string } => {
    const type = node.type.toLowerCase();
    const part = node.part ?? '1';
    if (type.startsWith('multipart/')) {
      boundaries += 1;
      const boundary = `----=_cd_${boundaryTag}_${boundaries}_${type.slice(10)}`;
      const params = { ...without(node.parameters, 'boundary', 'charset'), boundary };
      const chunks: string[] = [];
      for (const child of node.children ?? []) {
        const inner = writePart(child, false);
        chunks.push(`--${boundary}\r\n${inner.headers.join('')}\r\n${inner.body}\r\n`);
      }
      return {
        headers: [contentType(type, params), ...disposition(node, root)],
        body: `${chunks.join('')}--${boundary}--\r\n`,
      };
    }
    const text = texts.get(part);
    if (type === 'message/rfc822' || type === 'message/global') {
      // Only the embedded message's header block was read: it stands for the whole message.
      const block = text === undefined ? '' : crlf(text).replace(/(\r\n)*$/, '\r\n\r\n');
      return { headers: [contentType(type, node.parameters), ...disposition(node, root)], body: block };
    }
    if (text !== undefined) {
      const params = { ...without(node.parameters, 'charset'), charset: 'utf-8' };
      return {
        headers: [contentType(type, params), 'Content-Transfer-Encoding: 8bit\r\n', ...disposition(node, root)],
        body: crlf(text),
      };
    }
    // Not fetched (an attachment, an image): its place is kept, its content is not.
    return { headers: [contentType(type, node.parameters), ...disposition(node, root)], body: '' };
  };

  const { headers, body } = writePart(message.structure, true);
  const kept = dropFields(message.rawHeaders, ['content-type', 'content-transfer-encoding']);
  return `${kept}${headers.join('')}\r\n${body}`;
}

function without(params: Record<string, string> | undefined, ...names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params ?? {})) if (!names.includes(k.toLowerCase())) out[k.toLowerCase()] = v;
  return out;
}

/** `name="value"` with the quote and backslash escaped (RFC 2045 §5.1 quoted-string); line breaks become spaces. */
function param(name: string, value: string): string {
  return `; ${name}="${value.replace(/[\r\n]+/g, ' ').replace(/(["\\])/g, '\\$1')}"`;
}

function contentType(type: string, params: Record<string, string> | undefined): string {
  return `Content-Type: ${type}${Object.entries(params ?? {})
    .map(([k, v]) => param(k, v))
    .join('')}\r\n`;
}

/** The part's Content-Disposition (the root's stays among the kept header lines). */
function disposition(node: InboxPart, root: boolean): string[] {
  if (root || !node.disposition) return [];
  const filename = node.parameters?.name;
  return [`Content-Disposition: ${node.disposition}${filename ? param('filename', filename) : ''}\r\n`];
}

function crlf(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

/**
 * The header block without the fields named (with their folded continuation lines), ending
 * with the last kept line's CRLF and no blank line.
 */
function dropFields(rawHeaders: string, names: string[]): string {
  const lines = crlf(rawHeaders)
    .replace(/(\r\n)+$/, '')
    .split('\r\n');
  const out: string[] = [];
  let dropping = false;
  for (const line of lines) {
    if (/^[ \t]/.test(line)) {
      if (!dropping) out.push(line);
      continue;
    }
    const name = line.slice(0, line.indexOf(':')).trim().toLowerCase();
    dropping = names.includes(name);
    if (!dropping) out.push(line);
  }
  return out.length ? `${out.join('\r\n')}\r\n` : '';
}
