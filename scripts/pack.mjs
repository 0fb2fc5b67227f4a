#!/usr/bin/env node
/**
 * Builds the installable package: one tarball, `provisio-<version>.tgz`, that `npm install -g` installs
 * anywhere (README.md#install).
 *
 * The command is the CLI workspace (packages/cli), which imports the other workspaces (@provisio/*).
 * Those are not published, so the tarball carries them as bundled dependencies
 * (https://docs.npmjs.com/cli/v11/configuring-npm/package-json#bundledependencies): a staging
 * directory holds the CLI's compiled code and, under node_modules/@provisio/, each workspace's
 * compiled code and a package.json reduced to what runs (the console: its built pages only, none of
 * its build-time dependencies). The registry dependencies of every bundled workspace become the
 * package's own (a bundled package declares none: npm would take them to be in the bundle), so npm
 * installs them from the registry beside the bundle (better-sqlite3 with its install script).
 *
 * Usage: node scripts/pack.mjs [--out <dir>] [--no-build]
 *   --out <dir>   where to write the tarball (default: the current directory)
 *   --no-build    use the existing build (packages/*\/dist) instead of running `npm run build`
 * Prints the tarball's path on the last line of stdout.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: process.cwd() },
    'no-build': { type: 'boolean', default: false },
  },
});
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
const workspace = readJson(join(root, 'package.json'));
const cli = readJson(join(root, 'packages/cli/package.json'));

/** The workspaces the CLI needs at run time, by package name, with their directories. */
const bundled = Object.keys(cli.dependencies)
  .filter((name) => name.startsWith('@provisio/'))
  .sort()
  .map((name) => ({ name, dir: join(root, 'packages', name.slice('@provisio/'.length)) }));

if (!args['no-build']) execFileSync(npm, ['run', 'build'], { cwd: root, stdio: ['ignore', 2, 2] });
for (const { name, dir } of bundled) {
  const entry = name === '@provisio/console' ? 'dist/index.html' : 'dist/index.js';
  if (!existsSync(join(dir, entry)))
    throw new Error(`${name} is not built (no ${join(dir, entry)}): run npm run build first`);
}
if (!existsSync(join(root, 'packages/cli/dist/main.js')))
  throw new Error('packages/cli is not built: run npm run build first');

/** Compiled JavaScript and source maps; no declarations or build info (nothing imports the types). */
const runtimeFile = (source) => !/\.d\.ts(\.map)?$|\.tsbuildinfo$/.test(source);

const stage = mkdtempSync(join(tmpdir(), 'provisio-pack-'));
try {
  const pkg = join(stage, 'package');
  mkdirSync(pkg);
  cpSync(join(root, 'packages/cli/bin'), join(pkg, 'bin'), { recursive: true });
  cpSync(join(root, 'packages/cli/dist'), join(pkg, 'dist'), { recursive: true, filter: runtimeFile });
  for (const file of ['README.md', 'LICENSE']) {
    if (existsSync(join(root, file))) cpSync(join(root, file), join(pkg, file));
  }

  // Registry dependencies: the CLI's own and every bundled workspace's (the console's are build-time
  // only), each at a caret range of the version the workspace installed and tested, which satisfies
  // every workspace's range for it.
  const registryDeps = Object.fromEntries(
    Object.keys(cli.dependencies)
      .filter((name) => !name.startsWith('@provisio/'))
      .map((name) => [name, '']),
  );
  for (const { name, dir } of bundled) {
    const manifest = readJson(join(dir, 'package.json'));
    const target = join(pkg, 'node_modules', name);
    mkdirSync(target, { recursive: true });
    if (name !== '@provisio/console')
      for (const dep of Object.keys(manifest.dependencies ?? {}))
        if (!dep.startsWith('@provisio/')) registryDeps[dep] = '';
    writeFileSync(
      join(target, 'package.json'),
      `${JSON.stringify(
        {
          name,
          version: manifest.version,
          description: manifest.description,
          license: workspace.license,
          type: manifest.type ?? 'module',
          exports: manifest.exports,
          // None here: npm takes every dependency of a bundled package to be in the bundle too, and
          // would leave better-sqlite3 & co. uninstalled. They are the package's own dependencies,
          // installed beside the bundle, where Node's resolution finds them from here.
          dependencies: {},
        },
        null,
        2,
      )}\n`,
    );
    cpSync(join(dir, 'dist'), join(target, 'dist'), { recursive: true, filter: runtimeFile });
  }

  const manifest = {
    name: cli.name,
    version: cli.version,
    description: workspace.description,
    license: workspace.license,
    type: 'module',
    bin: cli.bin,
    engines: workspace.engines,
    files: ['bin', 'dist'],
    dependencies: {
      ...testedRanges(Object.keys(registryDeps)),
      ...Object.fromEntries(bundled.map((b) => [b.name, cli.version])),
    },
    bundleDependencies: bundled.map((b) => b.name),
    // The same pins as the workspace's (see docs/dependencies.md): npm honours them when this
    // package is the root of an install.
    ...(workspace.overrides === undefined ? {} : { overrides: workspace.overrides }),
  };
  writeFileSync(join(pkg, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);

  const out = resolve(args.out);
  mkdirSync(out, { recursive: true });
  const packed = JSON.parse(
    execFileSync(npm, ['pack', '--json', '--pack-destination', out], {
      cwd: pkg,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 2],
    }),
  );
  const { filename, size, unpackedSize, entryCount } = packed[0];
  process.stderr.write(
    `packed ${bundled.length} workspaces into ${filename}: ${entryCount} files, ${(size / 1e6).toFixed(1)} MB (${(unpackedSize / 1e6).toFixed(1)} MB unpacked)\n`,
  );
  process.stdout.write(`${join(out, filename)}\n`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}

/** `^<version>` of each package as installed at the workspace's root, sorted by name. */
function testedRanges(names) {
  return Object.fromEntries(
    [...names].sort().map((name) => {
      const file = join(root, 'node_modules', name, 'package.json');
      if (!existsSync(file)) throw new Error(`${name} is not installed at the root: run npm install first`);
      return [name, `^${readJson(file).version}`];
    }),
  );
}
