import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The console is built into dist/ by `npm install` (the workspace's `prepare` runs `npm run build`)
// and served by `provisio serve` at `/` (docs/console.md). Hashed file names under /assets/ let the
// server cache them for a year; index.html is revalidated on every load.
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1024,
  },
  server: {
    // `npx vite` in this folder while `provisio serve` runs on :8080: the API calls go there.
    proxy: { '/v1.0': 'http://127.0.0.1:8080', '/provisio': 'http://127.0.0.1:8080' },
  },
});
