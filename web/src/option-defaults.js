// Option defaults for the JS side, from their one source, py/livecomplete/options.py: build.py
// writes them to build/generated/option-defaults.json, which Vite resolves as `#option-defaults`.
import defaults from '#option-defaults'

/** Every option's default, camelCase. */
export const optionDefaults = Object.freeze({ ...defaults })

/** An option's value from the host's options (camelCase or snake_case, as Python takes them). */
export function optionValue(options, name) {
  const snake = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
  const value = options?.[name] ?? options?.[snake]
  return Number.isInteger(value) && value >= 0 ? value : optionDefaults[name]
}
