// Entry points of the CodeMirror build that hosts without a bundler load through an import map
// (vite.lib.config.js, mode `codemirror`; examples/plain.html). One build, so that every entry
// shares one copy of @codemirror/state: two copies break every extension.
export const entries = {
  'codemirror/state': '@codemirror/state',
  'codemirror/view': '@codemirror/view',
  'codemirror/autocomplete': '@codemirror/autocomplete',
  'codemirror/language': '@codemirror/language',
  'codemirror/commands': '@codemirror/commands',
  'codemirror/lang-python': '@codemirror/lang-python',
  'codemirror/codemirror': 'codemirror',
}
