// The storage panel of the notebook page: the notebook's and its completion store's sizes and how
// fast they grow this visit, the site's quota, the last cleanup round (what it removed and kept),
// and "Clean up now".
import { el } from './dom.js'

/** The storage panel: sizes, the last cleanup round and a button for one now. */
export function storagePanel(lc) {
  const summary = el('summary', { textContent: 'Storage' })
  const notebookBytes = el('dd', { className: 'notebook-bytes', textContent: '…' })
  const store = el('dd', { className: 'store-bytes', textContent: '…' })
  const growth = el('dd', { className: 'growth', textContent: '…' })
  const origin = el('dd', { className: 'origin-usage', textContent: '…' })
  const last = el('dd', { className: 'last-cleanup', textContent: 'no round yet' })
  const details = el('ul', { className: 'cleanup-details' })
  const cleanButton = el('button', { type: 'button', className: 'clean-now', textContent: 'Clean up now' })
  const panel = el('details', { id: 'storage-panel', className: 'storage' }, [
    summary,
    el('dl', {}, [
      el('dt', { textContent: 'This notebook (cells, runs, outputs)' }), notebookBytes,
      el('dt', { textContent: 'This notebook’s completion store' }), store,
      el('dt', { textContent: 'Growth during this visit' }), growth,
      el('dt', { textContent: 'This site’s storage' }), origin,
      el('dt', { textContent: 'Last cleanup' }), last,
    ]),
    details,
    cleanButton,
  ])

  const refresh = async () => {
    const report = await lc.storageReport()
    store.textContent = report.storeBytes == null ? 'not created yet' : formatBytes(report.storeBytes)
    notebookBytes.textContent = lc.notebook?.persisted === false
      ? 'in memory (this page only)'
      : report.notebookBytes == null ? 'not saved yet' : formatBytes(report.notebookBytes)
    growth.textContent = formatGrowth(report)
    origin.textContent =
      report.usage == null ? 'unknown' : `${formatBytes(report.usage)} of ${formatBytes(report.quota)} quota`
    summary.textContent =
      `Storage · notebook ${notebookBytes.textContent} · completion store ${store.textContent} · site ${formatBytes(report.usage ?? 0)}`
    showCleanup(report.lastCleanup)
  }
  const showCleanup = (cleanup) => {
    if (!cleanup) return
    const when = new Date(cleanup.startedAt).toLocaleTimeString()
    last.textContent = `${cleanup.summary} (${when})`
    details.replaceChildren(
      ...cleanup.removed.map((r) => el('li', { textContent: `removed ${r.name} (${formatBytes(r.bytes)}): ${r.reason}` })),
      ...cleanup.skipped.map((s) => el('li', { className: 'skipped', textContent: `kept ${s.name}: ${s.why}` })),
    )
  }
  lc.addEventListener('cleanup', (e) => {
    showCleanup(e.detail)
    refresh()
  })
  // Said once, where the person looks for storage; a later notice replaces the earlier one.
  let banner = null
  lc.addEventListener('storage', (e) => {
    if (!banner) panel.before((banner = el('p', { className: 'banner', id: 'storage-problem' })))
    banner.textContent = e.detail.text
    banner.dataset.persisted = String(e.detail.persisted)
    cleanButton.disabled = !e.detail.persisted
    refresh()
  })
  lc.ready.then(refresh)
  panel.addEventListener('toggle', () => panel.open && refresh())
  // While open, the sizes and the growth follow the typing (a report reads OPFS sizes: not often).
  setInterval(() => panel.open && refresh(), GROWTH_REFRESH_MS)
  cleanButton.addEventListener('click', async () => {
    cleanButton.disabled = true
    try {
      await lc.cleanupNow()
    } finally {
      cleanButton.disabled = false
    }
  })
  return panel
}

const GROWTH_REFRESH_MS = 15_000

/** The stores' growth per hour this visit, or why it is not known yet. */
function formatGrowth({ growth, storeEvents }) {
  if (!growth) return storeEvents == null ? 'unknown' : `measured after a minute of use (${storeEvents} completion events now)`
  const rate = (bytes) => (bytes == null ? 'unknown' : `${formatBytes(Math.max(0, bytes))}/h`)
  const events = growth.eventsPerHour == null ? '' : `${Math.max(0, growth.eventsPerHour)} completion events/h · `
  const minutes = Math.round(growth.spanMs / 60_000)
  return `${events}completion store ${rate(growth.storeBytesPerHour)} · notebook ${rate(growth.notebookBytesPerHour)} (over ${minutes} min)`
}

function formatBytes(count) {
  if (count == null) return 'unknown'
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let size = count
  let unit = 0
  while (size >= 1024 && unit < units.length - 1) {
    size /= 1024
    unit += 1
  }
  return unit === 0 ? `${size} B` : `${size.toFixed(1)} ${units[unit]}`
}
