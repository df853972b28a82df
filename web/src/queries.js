// The named queries the Python side subscribes to, in the page and in a remote kernel (plain
// arguments in, LiveStore queries out). No browser APIs here: Node imports it too.
import { queryDb, Schema } from '@livestore/livestore'
import { tables } from './schema.js'

export const queries = {
  responseFor: (completionId) =>
    queryDb(tables.completionResponses.where({ id: completionId }), { label: `response:${completionId}` }),
  // Answers the store holds but will not use: extra answers to one request, answers to no request.
  anomalies: () =>
    queryDb(
      {
        query: `SELECT s.id, s.answers,
                  EXISTS (SELECT 1 FROM completionRequests r WHERE r.id = s.id) AS requested
                FROM completionResponses s
                WHERE s.answers > 1 OR NOT EXISTS (SELECT 1 FROM completionRequests r WHERE r.id = s.id)`,
        schema: Schema.Array(Schema.Struct({ id: Schema.String, answers: Schema.Number, requested: Schema.Number })),
      },
      { label: 'anomalies' },
    ),
  openRequestsFor: (requestedBy) =>
    queryDb(
      tables.completionRequests.where({ requestedBy, answered: false }).orderBy('timestamp', 'asc'),
      { label: `openRequests:${requestedBy}` },
    ),
  // Everyone's: what a remote kernel serving the whole notebook answers.
  allOpenRequests: () =>
    queryDb(tables.completionRequests.where({ answered: false }).orderBy('timestamp', 'asc'), {
      label: 'openRequests:*',
    }),
  // Read once, not subscribed to: the newest successful answer to a request of one of `operations`
  // with this cell text and cursor, computed in `namespace` (see v1.CompletionNamespace).
  storedAnswer: (namespace, source, cursorPosition, operations = ['complete']) => ({
    // CROSS JOIN keeps SQLite's loop on the requests at that cursor (index requestsAt): starting
    // from the namespace would walk every answer of a busy one ('fresh').
    query: `SELECT s.id, s.suggestions, s.status, s.timestamp
            FROM completionRequests r
            CROSS JOIN completionNamespaces n ON n.id = r.id
            CROSS JOIN completionResponses s ON s.id = r.id
            WHERE r.cursorPosition = ? AND r.source = ? AND n.namespace = ? AND s.status = 'success'
              AND r.operation IN (${operations.map(() => '?').join(', ')})
            ORDER BY s.timestamp DESC LIMIT 1`,
    bindValues: [cursorPosition, source, namespace, ...operations],
    schema: Schema.Array(
      Schema.Struct({ id: Schema.String, suggestions: Schema.String, status: Schema.String, timestamp: Schema.Number }),
    ),
  }),
  // Read once: how many events the completion answers and requests held here came from (a request,
  // its operation when not a completion, every answer received, the namespace of a computed one).
  eventCount: () => ({
    query: `SELECT (SELECT COUNT(*) FROM completionRequests)
                 + (SELECT COUNT(*) FROM completionRequests WHERE operation != 'complete')
                 + (SELECT COALESCE(SUM(answers), 0) FROM completionResponses)
                 + (SELECT COUNT(*) FROM completionNamespaces) AS events`,
    bindValues: [],
    schema: Schema.Array(Schema.Struct({ events: Schema.Number })),
  }),
  // Remote kernels that announced themselves and have not said goodbye.
  remoteKernels: () => queryDb(tables.remoteKernels.where({ left: false }), { label: 'remoteKernels' }),
}
