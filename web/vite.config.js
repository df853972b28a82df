// Bundles the notebook page (../index.html and web/src) into ../dist. Pyodide and the wheels are
// not bundled: build.py copies them next to the bundle, and the page loads them at run time.
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const root = fileURLToPath(new URL('..', import.meta.url))

export default defineConfig({
  root,
  base: './',
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    // The notebook page. The example hosts use the installable build instead (vite.lib.config.js).
    rollupOptions: {
      input: { notebook: fileURLToPath(new URL('../index.html', import.meta.url)) },
    },
  },
  worker: { format: 'es' },
  optimizeDeps: {
    exclude: ['@livestore/wa-sqlite'],
    include: ['@livestore/adapter-web/worker', '@livestore/adapter-web/shared-worker'],
  },
})
