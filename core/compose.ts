import type { Contact, EmailStep, Mailbox } from './model';
import { mergeContext, renderTemplate } from './templating';
import {
  foldHeader,
  htmlToText,
  quoteHtml,
  quoteText,
  replyHeaders,
  replySubject,
  stripReplyPrefix,
} from './threading';

/**
 * Composes the email a step sends to one person (SPEC §2, R10): merge fields rendered,
 * and for a follow-up the `Re:` subject, `In-Reply-To`/`References` and the quoted
 * previous message — all from the previous email *as it was sent*.
 */

/** The sent copy of the previous email of the same enrollment (a step run). */
export interface SentCopy {
  subject: string;
  html: string;
  text: string;
  messageId: string;
  /** The Message-ID the recipient got, when the provider replaced ours (SPEC §5). */
  deliveredMessageId?: string | undefined;
  references: readonly string[];
  /** UTC ms. */
  sentAt: number;
  /** Marked as sent outside the app: there is no message to reply to (R10). */
  outside: boolean;
}

export interface ComposedEmail {
  subject: string;
  html: string;
  text: string;
  inReplyTo?: string;
  references?: string[];
  /** Why a follow-up went as a new email, for the Live Feed (R10). */
  note?: string;
}

/**
 * The reply headers an email step goes with (R10, RFC 5322 §3.6.4): `In-Reply-To` and
 * `References` built by {@link replyHeaders} from the previous email as it was sent, when the
 * step is a follow-up and that email went from the app. Undefined when it goes as a new
 * email: not a follow-up, the previous email not sent (skipped, never sent), or marked as
 * sent outside the app (no message to reply to). The one place this choice is made: for
 * composed emails, emails written by hand and the task's compose window alike.
 */
export function followUpHeaders(
  step: Pick<EmailStep, 'send'>,
  previous: SentCopy | undefined,
): { inReplyTo: string; references: string[] } | undefined {
  return step.send.followUp && previous && !previous.outside ? replyHeaders(previous) : undefined;
}

/**
 * @param previous the previous email's sent copy when this step is a follow-up; undefined
 *   when it was skipped or never sent.
 * @param unsubscribeLink what `{{ unsubscribe_link }}` shows (SPEC §12): the email's own link;
 *   without it, the preview link of `previewUnsubscribeLink`.
 * @returns the message, or `{ blocked }` naming the empty merge fields (it is never sent blank).
 */
export function composeEmail(
  step: EmailStep,
  contact: Contact,
  mailbox: Pick<Mailbox, 'name' | 'email' | 'timeZone'>,
  previous: SentCopy | undefined,
  unsubscribeLink?: string,
): ComposedEmail | { blocked: string } {
  const context = mergeContext(contact, mailbox, unsubscribeLink);
  const body = renderTemplate(step.body, context, 'html');
  if (!body.ok) return { blocked: `body: ${body.blocked}` };
  const text = htmlToText(body.text);
  const headers = followUpHeaders(step, previous);
  if (headers && previous) {
    const quoted = {
      html: previous.html,
      text: previous.text,
      sentAt: previous.sentAt,
      senderName: mailbox.name,
      senderEmail: mailbox.email,
    };
    return {
      subject: replySubject(previous.subject),
      html: quoteHtml(body.text, quoted, mailbox.timeZone),
      text: quoteText(text, quoted, mailbox.timeZone),
      inReplyTo: headers.inReplyTo,
      references: headers.references,
    };
  }
  const own = step.subject?.trim() ? renderTemplate(step.subject, context) : undefined;
  if (own && !own.ok) return { blocked: `subject: ${own.blocked}` };
  const subject = own ? foldHeader(own.text) : previous ? stripReplyPrefix(previous.subject) : '';
  if (!subject) return { blocked: 'subject: the email has no subject' };
  const composed: ComposedEmail = { subject, html: body.text, text };
  if (step.send.followUp) {
    composed.note = previous?.outside
      ? 'the previous email was marked as sent outside the app, so this one went as a new email'
      : 'the previous email was not sent, so this one went as a new email';
  }
  return composed;
}
