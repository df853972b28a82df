// The completion store's schema: the proposal's two synced events, field for field, and the
// tables they materialize into; plus our own: one that names a request's operation when it is not
// a completion (describe, signature), two with which a remote kernel (web/node/)
// announces that it serves the notebook, so the pages' own kernels stand by, and one that says
// in which kernel namespace an answer was computed, so an identical request is answered from the
// store. Shared by the page, the LiveStore workers and remote kernels.
//
// Coordinates: `cursorPosition` is an offset into `source` in UTF-16 code units (what CodeMirror
// counts); `timestamp` is milliseconds since the Unix epoch.
import { Events, Schema, State, makeSchema } from '@livestore/livestore'
import { STORED_LIMITS } from './facts.js'

const Suggestion = Schema.Struct({
  text: Schema.String,
  kind: Schema.String, // 'function', 'variable', 'keyword', 'module', 'class', ...
  documentation: Schema.optional(Schema.String),
  insertText: Schema.optional(Schema.String),
  detail: Schema.optional(Schema.String),
})

export const events = {
  completionRequested: Events.synced({
    name: 'v1.CompletionRequested',
    schema: Schema.Struct({
      completionId: Schema.String,
      cellId: Schema.String,
      source: Schema.String,
      cursorPosition: Schema.Number,
      requestedBy: Schema.String,
      timestamp: Schema.Number,
    }),
  }),
  completionReceived: Events.synced({
    name: 'v1.CompletionReceived',
    schema: Schema.Struct({
      completionId: Schema.String,
      suggestions: Schema.Array(Suggestion),
      status: Schema.Literal('success', 'error', 'timeout'),
      timestamp: Schema.Number,
    }),
  }),
  // What the request `completionId` asks, when it is not a completion: the one option a highlighted
  // entry names ('describe') or the signature of the call at the cursor ('signature'). Committed
  // just before its v1.CompletionRequested, in the same commit; answered by v1.CompletionReceived.
  operationRequested: Events.synced({
    name: 'v1.OperationRequested',
    schema: Schema.Struct({ completionId: Schema.String, operation: Schema.Literal('describe', 'signature') }),
  }),
  // The namespace the answer to `completionId` was computed in: 'fresh' (a kernel that has run
  // no cell: every such kernel has the same names) or one kernel after a number of cells. A
  // request with the same cell text and cursor in that namespace gets the same answer.
  completionNamespace: Events.synced({
    name: 'v1.CompletionNamespace',
    schema: Schema.Struct({ completionId: Schema.String, namespace: Schema.String }),
  }),
  // A remote kernel serves every request of the notebook for `leaseMs` from now; it announces
  // itself again before that runs out, for as long as it runs.
  kernelAnnounced: Events.synced({
    name: 'v1.KernelAnnounced',
    schema: Schema.Struct({ kernelId: Schema.String, leaseMs: Schema.Number, timestamp: Schema.Number }),
  }),
  // A remote kernel that stops on purpose says so: pages take over at once, not after its lease.
  kernelLeft: Events.synced({
    name: 'v1.KernelLeft',
    schema: Schema.Struct({ kernelId: Schema.String, timestamp: Schema.Number }),
  }),
}

export const tables = {
  completionRequests: State.SQLite.table({
    name: 'completionRequests',
    columns: {
      id: State.SQLite.text({ primaryKey: true }),
      cellId: State.SQLite.text(),
      source: State.SQLite.text(),
      cursorPosition: State.SQLite.real(),
      requestedBy: State.SQLite.text(),
      timestamp: State.SQLite.real(),
      // Set when the first answer arrives; kernel agents watch the requests still open.
      answered: State.SQLite.boolean({ default: false }),
      // From the request's v1.OperationRequested: 'complete' without one.
      operation: State.SQLite.text({ default: 'complete' }),
    },
    indexes: [
      { name: 'openRequestsBy', columns: ['requestedBy', 'answered'] },
      // The store's answers are looked up by cursor and text (queries.storedAnswer).
      { name: 'requestsAt', columns: ['cursorPosition'] },
    ],
  }),
  completionResponses: State.SQLite.table({
    name: 'completionResponses',
    columns: {
      id: State.SQLite.text({ primaryKey: true }),
      suggestions: State.SQLite.json({ schema: Schema.Array(Suggestion) }),
      status: State.SQLite.text(),
      timestamp: State.SQLite.real(),
      // How many answers arrived for the request. The first one is kept; more than 1 means two
      // kernels answered (each request should be answered exactly once). Caveat, seen with
      // LiveStore 0.4.0: under heavy cross-tab traffic, a tab that is committing while it receives
      // others' events can apply an incoming answer twice to its own state (2 of 600 in a burst
      // test where each answer was committed once), so there it may over-count.
      answers: State.SQLite.integer({ default: 1 }),
      // How many suggestions the answer carried; `suggestions` keeps at most STORED_LIMITS.suggestions.
      offered: State.SQLite.integer({ default: 0 }),
    },
  }),
  requestOperations: State.SQLite.table({
    name: 'requestOperations',
    columns: { id: State.SQLite.text({ primaryKey: true }), operation: State.SQLite.text() },
  }),
  completionNamespaces: State.SQLite.table({
    name: 'completionNamespaces',
    columns: { id: State.SQLite.text({ primaryKey: true }), namespace: State.SQLite.text() },
  }),
  remoteKernels: State.SQLite.table({
    name: 'remoteKernels',
    columns: {
      id: State.SQLite.text({ primaryKey: true }),
      leaseMs: State.SQLite.real(),
      // The kernel's own clock at its newest announcement (pages judge freshness by their own
      // clock from the moment an announcement arrives; see py/livecomplete/handover.py).
      announcedAt: State.SQLite.real(),
      left: State.SQLite.boolean({ default: false }),
    },
  }),
}

// Hard caps on what an answer puts into state, whatever a client committed (limits.py): the
// materializer runs identically on every client, so state stays bounded and deterministic.

const clip = (text, max) => (typeof text === 'string' && text.length > max ? `${text.slice(0, max - 1)}…` : text)

function boundedSuggestions(suggestions) {
  return suggestions.slice(0, STORED_LIMITS.suggestions).map(({ text, kind, documentation, insertText, detail }) => ({
    text: clip(text, STORED_LIMITS.textChars),
    kind: clip(kind, STORED_LIMITS.textChars),
    ...(documentation === undefined ? {} : { documentation: clip(documentation, STORED_LIMITS.documentationChars) }),
    ...(insertText === undefined ? {} : { insertText: clip(insertText, STORED_LIMITS.textChars) }),
    ...(detail === undefined ? {} : { detail: clip(detail, STORED_LIMITS.detailChars) }),
  }))
}

const materializers = State.SQLite.materializers(events, {
  // A replayed or duplicated event never overwrites the first one with the same id. A request
  // whose answer is already here (events from other clients can arrive in any order) is born
  // answered, so no kernel answers it again.
  'v1.CompletionRequested': ({ completionId, ...request }, { query }) => {
    const answered = query(tables.completionResponses.where({ id: completionId })).length > 0
    const [tagged] = query(tables.requestOperations.where({ id: completionId }))
    const operation = tagged?.operation ?? 'complete'
    return tables.completionRequests.insert({ id: completionId, ...request, answered, operation }).onConflict('id', 'ignore')
  },
  // The first operation named for an id holds, in the request's row too if it came first.
  'v1.OperationRequested': ({ completionId, operation }, { query }) => {
    if (query(tables.requestOperations.where({ id: completionId })).length > 0) return []
    return [
      tables.requestOperations.insert({ id: completionId, operation }),
      tables.completionRequests.update({ operation }).where({ id: completionId }),
    ]
  },
  'v1.CompletionReceived': ({ completionId, suggestions, status, timestamp }, { query }) => {
    const [first] = query(tables.completionResponses.where({ id: completionId }))
    if (first) return tables.completionResponses.update({ answers: first.answers + 1 }).where({ id: completionId })
    return [
      tables.completionResponses.insert({
        id: completionId,
        suggestions: boundedSuggestions(suggestions),
        // How many the answer carried, so a reader can tell it was cut.
        offered: suggestions.length,
        status,
        timestamp,
      }),
      tables.completionRequests.update({ answered: true }).where({ id: completionId }),
    ]
  },
  'v1.CompletionNamespace': ({ completionId, namespace }) =>
    tables.completionNamespaces
      .insert({ id: completionId, namespace: clip(namespace, STORED_LIMITS.textChars) })
      .onConflict('id', 'ignore'),
  'v1.KernelAnnounced': ({ kernelId, leaseMs, timestamp }) =>
    tables.remoteKernels
      .insert({ id: kernelId, leaseMs, announcedAt: timestamp, left: false })
      .onConflict('id', 'replace'),
  'v1.KernelLeft': ({ kernelId }) => tables.remoteKernels.update({ left: true }).where({ id: kernelId }),
})

export const schema = makeSchema({ events, state: State.SQLite.makeState({ tables, materializers }) })
