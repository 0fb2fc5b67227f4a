// The admin console's download size (docs/console.md#serving-caching-and-size): what the first load
// of any page costs (index.html, the entry script, its CSS and the scripts it preloads) and each page
// loaded later, raw and gzip-compressed (level 9, as a reverse proxy compresses). Measured on the
// build `npm install` makes (packages/console/dist).
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const dist = new URL('../packages/console/dist/', import.meta.url);
const html = readFileSync(new URL('index.html', dist), 'utf8');
const size = (file) => {
  const bytes = readFileSync(new URL(file.replace(/^\//, ''), dist));
  return { file, bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
};
const referenced = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
const firstLoad = [
  { file: 'index.html', ...(({ bytes, gzipBytes }) => ({ bytes, gzipBytes }))(size('index.html')) },
];
for (const file of referenced) firstLoad.push(size(file));
const later = readdirSync(new URL('assets/', dist))
  .map((name) => `/assets/${name}`)
  .filter((file) => !referenced.includes(file))
  .map(size)
  .sort((a, b) => b.gzipBytes - a.gzipBytes);
const sum = (files, key) => files.reduce((total, f) => total + f[key], 0);
export const result = {
  benchmark: 'console',
  firstLoad: {
    files: firstLoad,
    bytes: sum(firstLoad, 'bytes'),
    gzipBytes: sum(firstLoad, 'gzipBytes'),
  },
  laterChunks: { files: later, bytes: sum(later, 'bytes'), gzipBytes: sum(later, 'gzipBytes') },
};
