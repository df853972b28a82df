// Facts the JavaScript shares with Python, from their one source in py/livecomplete/ (options.py,
// naming.py, limits.py): build.py writes them to build/generated/facts.mjs, which the page, the
// sync backend and the remote kernel (Node) import alike.
import facts from '../../build/generated/facts.mjs'

/** Every option's default, camelCase. */
export const optionDefaults = Object.freeze({ ...facts.optionDefaults })

/** An option's value from the host's options (camelCase or snake_case, as Python takes them). */
export function optionValue(options, name) {
  const snake = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
  const value = options?.[name] ?? options?.[snake]
  return Number.isInteger(value) && value >= 0 ? value : optionDefaults[name]
}

/** A notebook id the page accepts: the safe alphabet, and not ending in the completions suffix
 * (its main store would look like another notebook's completion store). */
export const NOTEBOOK_ID = new RegExp(`^(?!.*${escaped(facts.completionsSuffix)}$)${facts.notebookIdPattern}$`)

/** What a notebook id is suffixed with to name its completion store. */
export const COMPLETIONS_SUFFIX = facts.completionsSuffix

/** The completion store id of a notebook, as the proposal names it. */
export const completionStoreId = (notebookId) => `${notebookId}${facts.completionsSuffix}`

/** The OPFS root directory LiveStore keeps store `storeId` in, at storage format `version`. */
export const storeDirectory = (storeId, version) => `${facts.storeDirectoryPrefix}${storeId}@${version}`

function escaped(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** What the completion store keeps at most per answer, whatever a client committed. */
export const STORED_LIMITS = Object.freeze({ ...facts.storedLimits })
