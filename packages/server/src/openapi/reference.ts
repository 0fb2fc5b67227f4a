/**
 * docs/api-reference.md, generated from the server's OpenAPI document, so the reference cannot
 * drift from the routes: a test renders it again and fails when the committed file differs
 * (`npm run docs:api` rewrites it).
 */

interface Operation {
  readonly operationId?: string;
  readonly summary?: string;
  readonly description?: string;
  readonly tags?: readonly string[];
  readonly 'x-provisio-access'?: string;
  readonly parameters?: readonly { name: string; in: string; required?: boolean; description?: string }[];
  readonly requestBody?: unknown;
  readonly responses?: Readonly<Record<string, { description?: string }>>;
}

export interface OpenApiDocument {
  readonly info: { readonly title: string; readonly version: string };
  readonly paths: Readonly<Record<string, Readonly<Record<string, Operation>>>>;
}

const methodOrder = ['get', 'post', 'put', 'patch', 'delete'];

export function renderApiReference(document: OpenApiDocument): string {
  const byTag = new Map<string, { method: string; path: string; operation: Operation }[]>();
  for (const [path, methods] of Object.entries(document.paths))
    for (const [method, operation] of Object.entries(methods)) {
      if (!methodOrder.includes(method)) continue;
      const tag = operation.tags?.[0] ?? 'other';
      const list = byTag.get(tag) ?? [];
      list.push({ method, path, operation });
      byTag.set(tag, list);
    }
  const lines = [
    '# Admin API reference',
    '',
    '<!-- Generated from the OpenAPI document by `npm run docs:api`; do not edit by hand. -->',
    '',
    `${document.info.title}, version ${document.info.version}. The OpenAPI 3.1 document itself is served at`,
    '`/openapi.json` (Reader). docs/api.md explains the API; docs/security.md says who may call what.',
    '',
  ];
  for (const tag of [...byTag.keys()].sort()) {
    lines.push(`## ${tag}`, '');
    const operations = (byTag.get(tag) ?? []).sort(
      (a, b) => a.path.localeCompare(b.path) || methodOrder.indexOf(a.method) - methodOrder.indexOf(b.method),
    );
    for (const { method, path, operation } of operations) {
      lines.push(`### \`${method.toUpperCase()} ${path}\``, '');
      if (operation.summary) lines.push(operation.summary, '');
      if (operation.description) lines.push(operation.description, '');
      lines.push(`- Who may call: ${operation['x-provisio-access'] ?? 'undeclared'}`);
      if (operation.operationId) lines.push(`- Operation id: \`${operation.operationId}\``);
      const parameters = operation.parameters ?? [];
      if (parameters.length > 0)
        lines.push(
          `- Parameters: ${parameters
            .map((p) => `\`${p.name}\` (${p.in}${p.required ? ', required' : ''})`)
            .join(', ')}`,
        );
      if (operation.requestBody !== undefined) lines.push('- Request body: JSON (see `/openapi.json`)');
      const responses = Object.keys(operation.responses ?? {}).sort();
      if (responses.length > 0) lines.push(`- Responses: ${responses.join(', ')}`);
      lines.push('');
    }
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
