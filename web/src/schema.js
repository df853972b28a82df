// The completion store's schema: the proposal's two synced events, field for field, and the
// tables they materialize into. Shared by the page, the LiveStore worker and (later) kernels.
//
// Coordinates: `cursorPosition` is an offset into `source` in UTF-16 code units (what CodeMirror
// counts); `timestamp` is milliseconds since the Unix epoch.
import { Events, Schema, State, makeSchema } from '@livestore/livestore'

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
    },
    indexes: [{ name: 'openRequestsBy', columns: ['requestedBy', 'answered'] }],
  }),
  completionResponses: State.SQLite.table({
    name: 'completionResponses',
    columns: {
      id: State.SQLite.text({ primaryKey: true }),
      suggestions: State.SQLite.json({ schema: Schema.Array(Suggestion) }),
      status: State.SQLite.text(),
      timestamp: State.SQLite.real(),
      // How many answers arrived for the request. The first one is kept; more than 1 means two
      // kernels answered (each request should be answered exactly once).
      answers: State.SQLite.integer({ default: 1 }),
    },
  }),
}

const materializers = State.SQLite.materializers(events, {
  // A replayed or duplicated event never overwrites the first one with the same id.
  'v1.CompletionRequested': ({ completionId, ...request }) =>
    tables.completionRequests.insert({ id: completionId, ...request }).onConflict('id', 'ignore'),
  'v1.CompletionReceived': ({ completionId, suggestions, status, timestamp }, { query }) => {
    const [first] = query(tables.completionResponses.where({ id: completionId }))
    if (first) return tables.completionResponses.update({ answers: first.answers + 1 }).where({ id: completionId })
    return [
      tables.completionResponses.insert({ id: completionId, suggestions, status, timestamp }),
      tables.completionRequests.update({ answered: true }).where({ id: completionId }),
    ]
  },
})

export const schema = makeSchema({ events, state: State.SQLite.makeState({ tables, materializers }) })
