import DOMPurify from 'dompurify';

/**
 * The links a shown email keeps: the ones a sent email can carry and a person can follow
 * (web, mail and phone). Anything else (javascript:, file:, data:) is dropped.
 */
const SHOWN_LINKS = /^(?:https?|mailto|tel):/i;

const purify = DOMPurify();
// A link in a shown email opens outside the app (a new tab in the browser build, the system
// browser in Electron, whose window-open handler takes it), never in the app's own window.
purify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName !== 'A') return;
  if (node.hasAttribute('href')) {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer');
  } else {
    node.removeAttribute('target');
  }
});

/**
 * Email HTML made safe to show inside the app (SPEC §8: HTML from a template, a paste or
 * an import is untrusted): no scripts, no styles (an overlay could cover the app), no
 * forms or embedded content, links only to http(s), mailto and tel — the same links the
 * sent email keeps — each opening outside the app (`target="_blank"`, `rel="noopener
 * noreferrer"`). DOMPurify does the work.
 * @returns HTML for `v-html`.
 */
export function safeHtml(html: string): string {
  return purify.sanitize(html, {
    FORBID_ATTR: ['style', 'class', 'id'],
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'object', 'embed', 'svg', 'math'],
    ALLOWED_URI_REGEXP: SHOWN_LINKS,
  });
}
