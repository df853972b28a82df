// How the notebook's main store is opened, shared by the page, its workers and remote kernels.

/** How long opening a synced notebook waits for the backend's events before it opens without them. */
export const INITIAL_SYNC_MS = 5000
