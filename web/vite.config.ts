import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** `npm run dev:web`: hot reload against the gateway `npm start` runs (ATTESTOR_PORT_BASE shifts it, as there). */
const gatewayPort = Number(process.env['ATTESTOR_PORT_BASE'] ?? 4000);

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Every asset a file of its own: the Content-Security-Policy allows no data: URLs.
    assetsInlineLimit: 0,
    // Browsers the app supports all have <link rel="modulepreload">; no polyfill script.
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1024,
  },
  // The proof-of-work solver's Web Worker is an ES module (`new Worker(url, { type: 'module' })`),
  // a file of its own under /assets: the CSP's worker-src 'self' covers it, no blob: URL.
  worker: { format: 'es' },
  server: {
    proxy: {
      '/graphql': { target: `http://127.0.0.1:${gatewayPort}`, ws: true },
    },
  },
});
