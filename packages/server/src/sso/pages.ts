/**
 * The few pages the single sign-on bridge shows a person (docs/single-sign-on.md): the hand-over
 * to Zendesk (a form that posts the token, submitted by a one-line script that the page's content
 * security policy allows by its hash), a refusal, and the signed-out page. No style sheets, no
 * third-party anything; every value is escaped.
 */
import { createHash } from 'node:crypto';

export const escapeHtml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

export interface Page {
  readonly html: string;
  /** The page's Content-Security-Policy header. */
  readonly contentSecurityPolicy: string;
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title></head>
<body>
  <main>
${body}
  </main>
</body>
</html>
`;
}

const SUBMIT_SCRIPT = 'document.getElementById("handover").submit();';
const SUBMIT_SCRIPT_HASH = `'sha256-${createHash('sha256').update(SUBMIT_SCRIPT).digest('base64')}'`;

/**
 * Posts `fields` to `action` (Zendesk's `/access/jwt`): POST keeps the token out of URLs, histories
 * and logs (Zendesk recommends it). Without scripts, the person presses Continue.
 */
export function handOverPage(action: string, fields: Readonly<Record<string, string>>): Page {
  const inputs = Object.entries(fields)
    .map(
      ([name, value]) =>
        `      <input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`,
    )
    .join('\n');
  const body = `    <h1>Signing you in to Zendesk…</h1>
    <form id="handover" method="post" action="${escapeHtml(action)}">
${inputs}
      <button type="submit">Continue to Zendesk</button>
    </form>
    <script>${SUBMIT_SCRIPT}</script>`;
  return {
    html: layout('Signing in to Zendesk', body),
    contentSecurityPolicy: `default-src 'none'; script-src ${SUBMIT_SCRIPT_HASH}; form-action ${new URL(action).origin}; base-uri 'none'; frame-ancestors 'none'`,
  };
}

/** Sign-in refused or impossible: what happened and what to do, with an optional way back. */
export function messagePage(
  title: string,
  message: string,
  link?: { readonly href: string; readonly text: string },
): Page {
  const body = `    <h1>${escapeHtml(title)}</h1>
    <p role="alert" data-testid="sso-message">${escapeHtml(message)}</p>${
      link === undefined ? '' : `\n    <p><a href="${escapeHtml(link.href)}">${escapeHtml(link.text)}</a></p>`
    }`;
  return {
    html: layout(title, body),
    contentSecurityPolicy: "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  };
}
