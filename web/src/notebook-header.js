// The notebook page's header bar: which notebook, its sync backend and role, which kernel serves
// it, and the states of completions and the kernel (with a restart button when it is stuck).
import { el } from './dom.js'

const STATE_TEXT = {
  starting: (detail) => `Kernel starting: ${detail}…`,
  ready: () => 'Kernel ready',
  busy: () => 'Kernel busy',
  error: (detail) => `Kernel error: ${detail}`,
}
const COMPLETION_TEXT = {
  starting: (detail) => `Completions starting: ${detail}…`,
  ready: () => 'Completions on',
  error: (detail) => `Completions off: ${detail}`,
}


/** The bar above the cells: notebook id, sync, serving kernel, completion and kernel states. */
export function notebookHeader(lc) {
  const kernelStatus = el('span', { id: 'kernel-status', className: 'status' })
  const restart = el('button', {
    id: 'restart-kernel', type: 'button', className: 'restart', textContent: 'Restart kernel', hidden: true,
    title: 'Stop the kernel and start a fresh one (variables from cells are lost)',
  })
  restart.addEventListener('click', () => lc.kernel.restart())
  const completionStatus = el('span', { id: 'completion-status', className: 'status' })
  const show = (node, texts, { state, detail }) => {
    node.dataset.state = state
    node.textContent = texts[state](detail)
  }
  // Offered when the kernel is stuck or stopped, and while a cell runs (it may never end).
  const showRestart = ({ state }) => { restart.hidden = !(state === 'error' || state === 'busy') }
  show(kernelStatus, STATE_TEXT, lc.kernel)
  show(completionStatus, COMPLETION_TEXT, lc)
  lc.kernel.addEventListener('state', (e) => {
    show(kernelStatus, STATE_TEXT, e.detail)
    showRestart(e.detail)
  })
  lc.addEventListener('state', (e) => show(completionStatus, COMPLETION_TEXT, e.detail))
  // Shown while a remote kernel answers this notebook's completions (the page's own stands by).
  const remoteKernel = el('span', { id: 'remote-kernel', className: 'status', hidden: true })
  const showServing = (kernelId) => {
    // Without a kernel token the page's own kernel never serves a synced notebook (docs/access.md).
    const waiting = !kernelId && lc.syncRole !== null && lc.syncRole !== 'kernel'
    remoteKernel.hidden = !kernelId && !waiting
    remoteKernel.textContent = kernelId
      ? `Completions by remote kernel ${kernelId}`
      : waiting ? 'No kernel serves this notebook yet: runs and completions wait for one' : ''
    if (kernelId) remoteKernel.dataset.kernelId = kernelId
    else delete remoteKernel.dataset.kernelId
  }
  lc.addEventListener('remote-kernel', ({ detail: { kernelId } }) => showServing(kernelId))
  // No event comes while nobody serves from the start.
  lc.ready.then(() => showServing(lc.remoteKernel))
  const syncUrl = lc.syncUrl
  const sync = syncUrl
    ? [el('span', { id: 'sync-url', className: 'sync', title: 'the notebook syncs through', textContent: `sync: ${syncUrl}` })]
    : []
  const role = () => (lc.syncRole && lc.syncRole !== 'write' ? `, ${lc.syncRole === 'read' ? 'read only' : 'kernel'}` : '')
  lc.addEventListener('sync', ({ detail: { connected } }) => {
    if (sync[0].dataset.refused) return
    sync[0].dataset.connected = String(connected)
    sync[0].textContent = `sync: ${syncUrl} (${connected ? 'connected' : 'offline, reconnecting'}${role()})`
  })
  lc.addEventListener('sync-role', ({ detail }) => {
    sync[0].dataset.role = detail.role
    document.body.classList.toggle('read-only', detail.role === 'read')
  })
  lc.addEventListener('sync-refused', ({ detail: { why } }) => {
    sync[0].dataset.refused = 'true'
    sync[0].textContent = `not synced: ${syncUrl} refused this page`
    const banner = el('p', { id: 'sync-refused', className: 'banner', textContent: `Not allowed to open this notebook: ${why}. It stays in this browser only.` })
    document.querySelector('#sync-refused')?.remove()
    document.querySelector('header.bar')?.after(banner)
  })
  return el('header', { className: 'bar' }, [
    el('h1', { textContent: 'livecomplete' }),
    el('span', { className: 'notebook-id', title: 'notebook id', textContent: lc.notebookId }),
    ...sync,
    el('span', { className: 'spacer' }),
    remoteKernel,
    completionStatus,
    kernelStatus,
    restart,
  ])
}
