// A remote kernel: Pyodide under Node running livecomplete's kernel code and Jedi, serving one
// notebook: it runs its cells and answers its completions. Its only connections are outbound:
// LiveStore clients of the notebook's main store and of its completion store, synced through the
// sync backend (web/sync/). It listens on nothing.
//
//   LIVECOMPLETE_SYNC_TOKEN=<kernel token> node --experimental-websocket web/node/remote-kernel.js
//        --notebook <id> --sync <ws-url> [--token-file <path>] [--kernel-id <id>] [--lease-ms 6000]
//        [--idle-after-ms 60000]
//        [--options <json>]
//
// The token (a `kernel` token for the notebook: `build.py token --role kernel`) comes from the
// environment or a file, never the command line, which `ps` shows; it refuses to start without one
// the backend accepts, and says why.
// (`python3 build.py kernel --notebook <id> --sync <ws-url>` builds what it needs and runs it.)
// It needs dist/ from `python3 build.py build`: the wheels in dist/wheels. Logs go to stdout, a
// line per request answered. SIGINT or SIGTERM: it says it leaves, so pages take over at once.
// SIGUSR2: it serves fresh stores, as when one stops syncing (for tests).
import { readFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { makeAdapter } from '@livestore/adapter-node'
import { createStorePromise } from '@livestore/livestore'
import { makeWsSync } from '@livestore/sync-cf/client'
import { Cause, Deferred, Effect, Exit, FiberId } from 'effect'
import { loadPyodide } from 'pyodide'
import { watchConnection } from '../src/connection.js'
import { NOTEBOOK_ID, completionStoreId } from '../src/facts.js'
import { queries as notebookQueries } from '../src/notebook-queries.js'
import { events as notebookEvents, schema as notebookSchema } from '../src/notebook-schema.js'
import { INITIAL_SYNC_MS } from '../src/notebook-store-options.js'
import { restoreFromSnapshot } from '../src/python.js'
import { checkSyncAccess, whenExpired } from '../src/sync-access.js'
import { lostAtBackend, watchSync } from '../src/sync-watchdog.js'
import { queries } from '../src/queries.js'
import { events, schema } from '../src/schema.js'

// LiveStore checks in development that each event materializes to the same statements on every
// client. Ours depend on state by design (the first answer to a request wins; later ones are
// counted), so under concurrent writers the check fails and shuts the store down. The page's
// production bundle skips it; so does this process.
process.env.NODE_ENV ??= 'production'

const here = path.dirname(fileURLToPath(import.meta.url))
const dist = path.resolve(here, '../../dist')

const log = (line) => console.log(`${new Date().toISOString()} ${line}`)

function parseCommandLine() {
  const { values } = parseArgs({
    options: {
      notebook: { type: 'string' },
      sync: { type: 'string' },
      'kernel-id': { type: 'string' },
      'lease-ms': { type: 'string', default: '6000' },
      // Asked nothing for this long, the kernel goes dormant (py/livecomplete/handover.py).
      'idle-after-ms': { type: 'string' },
      options: { type: 'string', default: '{}' },
      'token-file': { type: 'string' },
    },
  })
  const problems = []
  if (!values.notebook || !NOTEBOOK_ID.test(values.notebook)) {
    problems.push('--notebook <id> is required (letters, digits, ".", "_", "-")')
  }
  if (!values.sync || !/^wss?:\/\//.test(values.sync)) problems.push('--sync <ws:// or wss:// URL> is required')
  const leaseMs = Number(values['lease-ms'])
  if (!(leaseMs >= 1000 && leaseMs <= 60000)) problems.push('--lease-ms must be 1000..60000')
  const idleAfterMs = values['idle-after-ms'] === undefined ? null : Number(values['idle-after-ms'])
  if (idleAfterMs !== null && !(idleAfterMs >= 1000)) problems.push('--idle-after-ms must be at least 1000')
  if (problems.length) {
    console.error(`remote-kernel: ${problems.join('; ')}`)
    process.exit(2)
  }
  const kernelId = values['kernel-id'] ?? `kernel-${hostname()}-${process.pid}`
  return {
    notebookId: values.notebook, syncUrl: values.sync, kernelId, leaseMs, idleAfterMs, optionsJson: values.options,
    tokenFile: values['token-file'],
  }
}

const TOKEN_VARIABLE = 'LIVECOMPLETE_SYNC_TOKEN'

/** The kernel token, from the file or the environment (then removed from it: cells run here). */
async function readToken(tokenFile) {
  const fromEnvironment = process.env[TOKEN_VARIABLE]
  delete process.env[TOKEN_VARIABLE]
  if (!tokenFile) return fromEnvironment?.trim() || null
  try {
    return (await readFile(tokenFile, 'utf8')).trim()
  } catch (error) {
    refuse(`cannot read --token-file ${tokenFile} (${error.code ?? error.message})`)
  }
}

function refuse(why) {
  console.error(`remote-kernel: ${why}`)
  process.exit(2)
}

/** Exits with the reason unless the backend lets a kernel serve this notebook with `token`. */
async function checkAccess(syncUrl, notebookId, token) {
  const access = await checkSyncAccess({ syncUrl, notebookId, token })
  if (!access.allowed) refuse(`not allowed to serve notebook ${notebookId}: ${access.why} (the token comes from ${TOKEN_VARIABLE} or --token-file)`)
  if (access.role !== 'kernel') refuse(`not allowed to serve notebook ${notebookId}: a kernel needs a kernel token, this one grants ${access.role}`)
  if (!access.checked) log(`warning: could not reach ${syncUrl} to check the token; connecting anyway`)
  // Past its expiry the backend refuses this kernel's pushes: stop, saying why, rather than go silent.
  whenExpired(access.exp, () => refuse(`the token expired (${new Date(access.exp * 1000).toISOString()}): start the kernel again with a new one`))
}

/**
 * Pyodide with the kernel's wheels and Jedi warmed: restored from the kernel worker's snapshot
 * (dist/snapshots/kernel.bin, about 1 s), else started plainly (about 5 s), saying why.
 */
async function loadPython() {
  const read = (name) => readFile(path.join(dist, 'snapshots', name)).then((bytes) => new Uint8Array(bytes))
  try {
    const pyodide = await restoreFromSnapshot({
      loadPyodide, snapshot: read('kernel.bin'), files: read('kernel.files'), moduleScript: import('pyodide/pyodide.asm.mjs'),
    })
    return { pyodide, fromSnapshot: true }
  } catch (error) {
    log(`warning: starting Python without the kernel snapshot (${error?.message ?? error})`)
  }
  const pyodide = await loadPyodide()
  const manifest = JSON.parse(await readFile(path.join(dist, 'wheels/manifest.json'), 'utf8'))
  const wheels = manifest.kernel.map((name) => path.join(dist, 'wheels', name))
  await pyodide.loadPackage(wheels, { messageCallback: () => {}, errorCallback: (m) => log(`warning: ${m}`) })
  return { pyodide, fromSnapshot: false }
}

let stopping = false

async function main() {
  const { notebookId, syncUrl, kernelId, leaseMs, idleAfterMs, optionsJson, tokenFile } = parseCommandLine()
  const storeId = completionStoreId(notebookId)
  const token = await readToken(tokenFile)
  await checkAccess(syncUrl, notebookId, token)
  log(`kernel ${kernelId} for ${storeId}: loading Python and Jedi`)
  const began = performance.now()
  // Nothing kept on disk: the backend holds the event logs; this kernel reads them on start (the
  // notebook's first, so it never runs a request it has not seen the cell of).
  const backend = makeWsSync({ url: syncUrl })
  let restart = () => {} // until the kernel serves (below)
  // A sync that fails for good shuts the store down (LiveStore's default would end it silently):
  // then this kernel serves fresh stores, as when the watchdog finds one stalled.
  // A backend that no longer holds a store's history (a new backend id) shuts the store down too,
  // and this kernel serves fresh stores. Not 'reset': it forgets what was synced, and the old
  // history came back as new events (docs/cleanup.md#at-the-sync-backend).
  const open = async (storeSchema, id, initialSyncOptions = undefined) => {
    const shutdown = Deferred.unsafeMake(FiberId.none)
    const store = await createStorePromise({
      schema: storeSchema,
      storeId: id,
      shutdownDeferred: shutdown,
      // The backend checks it on every connection, pull and push (web/sync/access.js).
      syncPayload: { token },
      adapter: makeAdapter({
        storage: { type: 'in-memory' },
        clientId: kernelId,
        sync: { backend, initialSyncOptions, onSyncError: 'shutdown', onBackendIdMismatch: 'shutdown' },
      }),
    })
    Effect.runPromiseExit(Deferred.await(shutdown)).then((exit) => {
      if (!Exit.isFailure(exit)) return
      const error = Cause.squash(exit.cause)
      restart(store, lostAtBackend(error) ?? `it shut down: ${error?.message ?? 'sync failed'}`)
    })
    return store
  }
  const openStores = () =>
    Promise.all([open(schema, storeId), open(notebookSchema, notebookId, { _tag: 'Blocking', timeout: INITIAL_SYNC_MS })])
  const [{ pyodide, fromSnapshot }, [store, notebookStore]] = await Promise.all([loadPython(), openStores()])
  const remoteKernel = pyodide.pyimport('livecomplete._remote')
  // What serves now: the two stores, the Python side over them, and the watches on them.
  let serving = null
  const serve = (stores, kernel = undefined) => {
    const [completions, notebook] = stores
    // Both stores' events pushed to the backend (or 2 s passed): a run blocks this process, so
    // the run's start and the renewed lease must leave before it.
    const synced = () => completions.syncStatus().isSynced && notebook.syncStatus().isSynced
    const flushed = async () => {
      const deadline = performance.now() + 2000
      while (performance.now() < deadline && !synced()) await new Promise((r) => setTimeout(r, 10))
    }
    const config = {
      flushed, store: completions, events, queries, notebookStore: notebook, notebookEvents, notebookQueries,
      notebookId, kernelId, leaseMs, idleAfterMs, optionsJson, log,
    }
    const remote = kernel ? remoteKernel.start(config, kernel) : remoteKernel.start(config)
    const connected = new Map()
    // The connection is LiveStore's: it reconnects by itself. Say when it is up or down.
    const unwatch = stores.flatMap((store) => [
      watchConnection(store, (isConnected) => {
        connected.set(store, isConnected)
        if (store === completions) log(isConnected ? `connected to ${syncUrl}` : `not connected to ${syncUrl}: retrying`)
      }),
      watchSync(store, { isConnected: () => connected.get(store) === true, onStall: (why) => restart(store, why) }),
    ])
    serving = { stores, remote, synced, unwatch }
  }
  // A store that stopped syncing while connected never recovers by itself (sync-watchdog.js):
  // serve fresh stores, read again from the backend; the kernel and its namespace carry on.
  restart = async (stalled, why) => {
    if (stopping || !serving || !serving.stores.includes(stalled)) return
    const { stores, remote, unwatch } = serving
    serving = null
    log(`warning: the ${stalled === stores[0] ? 'completion' : 'notebook'} store stopped syncing (${why}): serving fresh stores`)
    for (const stop of unwatch) stop()
    remote.detach()
    for (const store of stores) store.shutdownPromise().catch(() => {})
    let fresh = null
    while (!fresh) {
      fresh = await openStores().catch((error) => {
        log(`warning: could not open fresh stores (${error?.message ?? error}): trying again in 5 s`)
        return new Promise((resolve) => setTimeout(() => resolve(null), 5000))
      })
    }
    const kernel = remote.kernel
    serve(fresh, kernel)
    kernel.destroy()
    remote.destroy()
    log('serving fresh stores')
  }
  serve([store, notebookStore])
  const start = fromSnapshot ? 'from the snapshot' : 'without a snapshot'
  log(`kernel ${kernelId} serves ${notebookId} and ${storeId} through ${syncUrl} (ready in ${Math.round(performance.now() - began)} ms, ${start})`)

  const stop = async (signal) => {
    if (stopping) return
    stopping = true
    if (!serving) process.exit(0) // between two sets of stores: nothing to say goodbye in
    const { remote, synced } = serving
    log(`${signal}: leaving (computations: ${remote.computations})`)
    remote.stop()
    // Give the goodbye a moment to reach the backend, so pages take over at once.
    const deadline = performance.now() + 2000
    while (performance.now() < deadline && !synced()) await new Promise((r) => setTimeout(r, 50))
    await new Promise((r) => setTimeout(r, 300))
    process.exit(0)
  }
  // What a stalled store leads to, on demand (the tests' way to try it without LiveStore's race).
  process.on('SIGUSR2', () => serving && restart(serving.stores[0], 'SIGUSR2'))
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
}

main().catch((error) => {
  console.error(`remote-kernel: ${error?.stack ?? error}`)
  process.exit(1)
})
