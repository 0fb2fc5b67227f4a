import type { UserRecord } from '../model/types.js';

/**
 * The few HTML pages the emulator answers in a browser: sign-in, signed-in, signed-out and refusal pages.
 * Static markup without scripts or styles (served with `Content-Security-Policy: default-src 'none'`),
 * every value HTML-escaped.
 */

export const pageHeaders = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'",
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;

export function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

function page(title: string, body: string): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title></head>`,
    `<body><main>${body}</main></body>`,
    '</html>',
    '',
  ].join('\n');
}

export function signInPage(subdomain: string): string {
  const title = `Sign in to ${subdomain}`;
  return page(
    title,
    `<h1>${escapeHtml(title)}</h1>` +
      '<p>Password sign-in is not emulated. Configure JWT single sign-on (<code>--sso-jwt-secret</code> and ' +
      '<code>--sso-remote-login-url</code>, or <code>PUT /__emulator/sso</code>) to sign in.</p>',
  );
}

export function signedInPage(subdomain: string, user: UserRecord, email: string | null): string {
  const shown = email ?? '(no email)';
  return page(
    `${user.name} - ${subdomain}`,
    `<h1>Signed in as <span data-testid="signed-in-email">${escapeHtml(shown)}</span></h1>` +
      '<dl>' +
      `<dt>User id</dt><dd data-testid="signed-in-user-id">${user.id}</dd>` +
      `<dt>Name</dt><dd data-testid="signed-in-name">${escapeHtml(user.name)}</dd>` +
      `<dt>Role</dt><dd data-testid="signed-in-role">${escapeHtml(user.role)}</dd>` +
      '</dl>' +
      '<p><a href="/access/logout">Sign out</a></p>',
  );
}

export function signedOutPage(subdomain: string): string {
  return page(`Signed out - ${subdomain}`, '<h1>Signed out</h1><p>You have been signed out.</p>');
}

export function refusalPage(subdomain: string, reason: string): string {
  return page(
    `Sign-in failed - ${subdomain}`,
    `<h1>Sign-in failed</h1><p data-testid="sso-error">${escapeHtml(reason)}</p>`,
  );
}
