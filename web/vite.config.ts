// The dashboard builds to web/dist, which `straits serve --web-root` serves.
// Everything is bundled: no request leaves the Straits origin at run time.
// `STRAITS_API=http://127.0.0.1:8080 npm run dev` proxies the API to a running
// `straits serve` while working on the pages.
import { defineConfig } from 'vite';

const api = process.env.STRAITS_API;
const proxy = api ? { '/v1': api, '/openapi.json': api, '/healthz': api } : undefined;

export default defineConfig({
  base: '/',
  server: { proxy },
  preview: { proxy },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1200,
  },
  test: {
    include: ['src/**/*.test.ts'],
  },
});
