// The last view the store gave is kept in localStorage and shown at once on the next visit, so
// the cells take keys before the notebook's store has opened (a second or so on a small machine);
// the store's view then replaces it, keeping what was typed meanwhile (saved once it opens).

// Views larger than this are not kept.
const CACHED_VIEW_MAX_CHARS = 300_000

/** The view kept for this notebook by an earlier visit, or null. Never throws. */
export function keptView(key) {
  try {
    const view = JSON.parse(localStorage.getItem(key) ?? 'null')
    return Array.isArray(view?.cells) ? view : null
  } catch {
    return null
  }
}

/** Keep `view` for the next visit; a view too large, or refused storage, keeps nothing. */
export function keepView(key, view) {
  try {
    const text = JSON.stringify(view)
    if (text.length <= CACHED_VIEW_MAX_CHARS) localStorage.setItem(key, text)
    else localStorage.removeItem(key)
  } catch {
    // storage full or refused: the next visit waits for the store, as without a kept view
  }
}
