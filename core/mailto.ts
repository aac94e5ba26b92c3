/**
 * `mailto:` URLs for "Open in mail app" on an email task, per RFC 6068: the address and
 * every header value are UTF-8 percent-encoded (so `+`, `&`, `=`, `?`, `#` and `%` are
 * escaped), and line breaks in the body are `%0D%0A`.
 */

/** Mail programs and operating systems cut or refuse longer `mailto:` URLs (about 2,000 characters). */
export const MAILTO_MAX_LENGTH = 2000;

export interface MailtoInput {
  to: string;
  subject: string;
  /** Plain text; any line-break style becomes CRLF. */
  body: string;
  /** `<id@domain>` of the message this one replies to (RFC 6068 allows `In-Reply-To`). */
  inReplyTo?: string;
}

export interface Mailto {
  url: string;
  /**
   * True when the body would have made the URL longer than {@link MAILTO_MAX_LENGTH}: the
   * URL then carries no body, and the caller puts the body on the clipboard and says so.
   */
  bodyLeftOut: boolean;
}

/** Percent-encodes one RFC 6068 component: UTF-8, everything but unreserved characters escaped. */
function encode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Builds the `mailto:` URL for one message.
 * @returns `{ url, bodyLeftOut }`; `bodyLeftOut` when the body did not fit (see {@link MAILTO_MAX_LENGTH}).
 */
export function mailtoUrl(input: MailtoInput, maxLength: number = MAILTO_MAX_LENGTH): Mailto {
  // The address: `@` stays readable; anything RFC 6068 reserves (`?`, `#`, `%`, `&`, `+`) is escaped.
  const to = encode(input.to).replace(/%40/g, '@');
  const headers: string[] = [`subject=${encode(input.subject.replace(/[\r\n]+/g, ' '))}`];
  if (input.inReplyTo) headers.push(`In-Reply-To=${encode(input.inReplyTo)}`);
  const head = `mailto:${to}?${headers.join('&')}`;
  const body = encode(input.body.replace(/\r\n|\r|\n/g, '\r\n'));
  const full = `${head}&body=${body}`;
  return full.length <= maxLength ? { url: full, bodyLeftOut: false } : { url: head, bodyLeftOut: true };
}
