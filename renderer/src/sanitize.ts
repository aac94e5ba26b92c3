import DOMPurify from 'dompurify';

/**
 * Email HTML made safe to show inside the app (SPEC §8: HTML from a template, a paste or
 * an import is untrusted): no scripts, no styles (an overlay could cover the app), no
 * forms or embedded content, links only to http(s) and mailto. DOMPurify does the work.
 * @returns HTML for `v-html`.
 */
export function safeHtml(html: string): string {
  return DOMPurify.sanitize(html, {
    FORBID_ATTR: ['style', 'class', 'id'],
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'object', 'embed', 'svg', 'math'],
    ALLOWED_URI_REGEXP: /^(?:https?|mailto):/i,
  });
}
