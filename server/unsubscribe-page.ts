/**
 * The small plain pages of the one-click unsubscribe (SPEC §12): what a person sees
 * after clicking the link in an email's footer or their mail program's Unsubscribe
 * button. No script, no images, nothing loaded from elsewhere.
 */

/** Which page: the question (GET), the answer (POST), or a link this server did not make. */
export type UnsubscribePageState =
  { state: 'confirm'; address: string } | { state: 'done'; address: string } | { state: 'invalid' };

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const escape = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** The page's whole HTML (UTF-8). The confirm page's button POSTs `List-Unsubscribe=One-Click` to the same address. */
export function unsubscribePage(page: UnsubscribePageState): string {
  let title: string;
  let body: string;
  switch (page.state) {
    case 'confirm':
      title = 'Unsubscribe?';
      body = `<p>Stop all emails from this sender to <strong>${escape(page.address)}</strong>?</p>
<form method="post">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">Unsubscribe</button>
</form>
<p class="small">Nothing changes until you press the button.</p>`;
      break;
    case 'done':
      title = 'You are unsubscribed';
      body = `<p><strong>${escape(page.address)}</strong> will get no more emails from this sender.</p>
<p class="small">You can close this page.</p>`;
      break;
    case 'invalid':
      title = 'This unsubscribe link is not valid';
      body = `<p>The link is incomplete or was changed, so nothing was done.</p>
<p class="small">Open the unsubscribe link from the email again, or reply to the email with the word “unsubscribe”.</p>`;
      break;
  }
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title}</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; color: #1f2328; max-width: 32rem; margin: 4rem auto; padding: 0 1rem; }
h1 { font-size: 1.4rem; }
button { font: inherit; padding: .5rem 1.25rem; border: 0; border-radius: 6px; background: #1f6feb; color: #fff; cursor: pointer; }
.small { color: #59636e; font-size: .9rem; }
</style>
</head>
<body>
<h1>${title}</h1>
${body}
</body>
</html>
`;
}
