// Builds the pieces a host installs (README: Embedding) into ../dist/lib:
// - mode `library`: livecomplete.js, one ES module exporting createLivecomplete, with its workers
//   and wasm in assets/. CodeMirror stays an import (`@codemirror/*`): the host's editor and our
//   extensions must share one copy of @codemirror/state.
// - mode `codemirror`: codemirror/*.js, CodeMirror as ES modules for a host without a bundler,
//   mapped to those imports by an import map (build.py writes it: codemirror/importmap.json).
//   One build, so that every entry shares one copy of @codemirror/state: two break every extension.
// build.py copies Pyodide, the wheels and the snapshots beside them.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const here = (path) => fileURLToPath(new URL(path, import.meta.url))
// The packages built, by the file each becomes (lib/codemirror-entries.json: build.py reads it too).
const entries = Object.fromEntries(
  Object.entries(JSON.parse(readFileSync(here('lib/codemirror-entries.json'), 'utf8')))
    .map(([specifier, name]) => [`codemirror/${name}`, specifier]),
)

export default defineConfig(({ mode }) => {
  const library = mode === 'library'
  return {
    root: here('..'),
    base: './',
    publicDir: false,
    logLevel: 'warn',
    build: {
      outDir: here(library ? '../dist/lib' : '../dist/lib/codemirror'),
      emptyOutDir: true,
      target: 'es2022',
      chunkSizeWarningLimit: 4096,
      rollupOptions: {
        input: library ? { livecomplete: here('src/livecomplete.js') } : entries,
        external: library ? (id) => id === 'codemirror' || id.startsWith('@codemirror/') : [],
        preserveEntrySignatures: 'strict',
        output: {
          entryFileNames: library ? '[name].js' : (chunk) => `${chunk.name.split('/').pop()}.js`,
          chunkFileNames: library ? 'assets/[name]-[hash].js' : 'shared/[name]-[hash].js',
          assetFileNames: 'assets/[name]-[hash][extname]',
        },
      },
    },
    worker: { format: 'es' },
    optimizeDeps: {
      exclude: ['@livestore/wa-sqlite'],
      include: ['@livestore/adapter-web/worker', '@livestore/adapter-web/shared-worker'],
    },
  }
})
