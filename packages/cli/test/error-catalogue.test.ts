/**
 * The error catalogue against its documentation (as Fastify checks its errors against its
 * https://github.com/fastify/fastify/blob/main/docs/Reference/Errors.md): every code of every package's
 * catalogue is in the tables of docs/provisioning.md ("Error codes"), every code in those tables is in a
 * catalogue, and the reference table ("The catalogue") says what the catalogue says. Here, where every
 * package is visible, the full registry is built, so a code defined twice fails too.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { explainQuarantine, isJobOperation, jobOperations, operationsNamedIn } from '@provisio/engine';
import { describe, expect, it } from 'vitest';
import { cliCommand, describeErrorForCli, errorRegistry, presentForCli } from '../src/present-error.js';

const docs = readFileSync(fileURLToPath(new URL('../../../docs/provisioning.md', import.meta.url)), 'utf8');

/** The text from a heading to the next heading of the same or a higher level. */
function section(markdown: string, heading: string): string {
  const level = /^#+/.exec(heading)?.[0].length ?? 2;
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`no section "${heading}" in docs/provisioning.md`);
  const rest = markdown.slice(start + heading.length + 2);
  const next = new RegExp(`^#{1,${level}} `, 'm').exec(rest);
  return next ? rest.slice(0, next.index) : rest;
}

/** The rows of every table in a text, each as its cells (header and separator rows left out). */
function tableRows(text: string): string[][] {
  const rows: string[][] = [];
  let inTable = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith('|')) {
      inTable = false;
      continue;
    }
    const cells = line
      .slice(1, line.endsWith('|') ? -1 : undefined)
      .split('|')
      .map((c) => c.trim());
    if (!inTable) {
      inTable = true; // the header row
      continue;
    }
    if (cells.every((c) => /^:?-+:?$/.test(c))) continue;
    rows.push(cells);
  }
  return rows;
}

/** A table's first cell: the code in backticks. */
function codeOf(cell: string | undefined): string {
  const match = /^`([A-Za-z]+)`$/.exec(cell ?? '');
  if (!match?.[1]) throw new Error(`not a code cell: ${cell}`);
  return match[1];
}

const errorCodes = section(docs, '### Error codes');
const documented = new Set(tableRows(errorCodes).map((row) => codeOf(row[0])));
const catalogued = new Set(errorRegistry.entries.map((e) => e.code));

describe('the error catalogue and docs/provisioning.md', () => {
  it('documents every catalogued code', () => {
    const missing = [...catalogued].filter((code) => !documented.has(code));
    expect(missing, 'codes missing from the tables of "Error codes"').toEqual([]);
  });

  it('documents no code that is not catalogued', () => {
    const unknown = [...documented].filter((code) => !catalogued.has(code));
    expect(unknown, 'codes in "Error codes" that no catalogue defines').toEqual([]);
  });

  it('lists each code once in "The catalogue", as the catalogue describes it', () => {
    const rows = tableRows(section(errorCodes, '#### The catalogue'));
    expect(rows.map((row) => codeOf(row[0])).sort()).toEqual([...catalogued].sort());
    for (const [code, owner, category, retryable, status] of rows) {
      const name = codeOf(code);
      const info = errorRegistry.lookup(name);
      expect({ owner, category, retryable, status }, name).toEqual({
        owner: `\`${errorRegistry.ownerOf(name)?.replace('@provisio/', '')}\``,
        category: `\`${info?.category}\``,
        retryable: info?.retryable ? 'yes' : 'no',
        status: String(info?.httpStatus),
      });
    }
  });

  it('has one code per meaning: no retired code is left', () => {
    for (const retired of ['Unauthorized', 'ZendeskUnauthorized', 'NetworkError'])
      expect(catalogued.has(retired) || documented.has(retired), retired).toBe(false);
  });
});

describe('the command line presents operations as commands', () => {
  it("knows a command for every operation the catalogues' recommended actions name", () => {
    for (const info of errorRegistry.entries) {
      expect(info.recommendedAction, info.code).not.toMatch(/npx/);
      for (const [, id] of info.recommendedAction.matchAll(/\(([a-z]+(?:-[a-z]+)*)\)/g))
        expect(isJobOperation(id ?? ''), `${info.code}: (${id})`).toBe(true);
    }
    for (const operation of Object.keys(jobOperations))
      if (isJobOperation(operation)) expect(cliCommand(operation)).toMatch(/^npx provisio [a-z]/);
  });

  it('turns neutral texts into command hints', () => {
    expect(presentForCli(explainQuarantine('TooManyDeletes').fix)).toContain(
      'allow the staged deletions (npx provisio allow-deletes)',
    );
    expect(presentForCli(explainQuarantine('EncounteredEscrowProportionThreshold').fix)).toContain(
      '(npx provisio logs --status failure)',
    );
    expect(describeErrorForCli('AttributeMappingFailed')?.recommendedAction).toContain(
      '(npx provisio expr eval)',
    );
    expect(describeErrorForCli('InvalidAppRoles')?.recommendedAction).toContain(
      '(npx provisio roles import)',
    );
    expect(describeErrorForCli('NoSuchCode')).toBeUndefined();
    const named = errorRegistry.entries.flatMap((e) => operationsNamedIn(e.recommendedAction));
    expect(new Set(named).size).toBeGreaterThan(3);
  });
});
