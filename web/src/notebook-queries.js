// The named queries of the notebook's main store that the Python side reads and subscribes to, in
// the page and in a remote kernel (plain arguments in, LiveStore queries out; no browser APIs).
import { queryDb, Schema } from '@livestore/livestore'
import { tables } from './notebook-schema.js'

const OPEN = ['pending', 'assigned', 'executing']

export const queries = {
  cells: () => queryDb(tables.cells.orderBy('position', 'asc'), { label: 'cells' }),
  outputs: () => queryDb(tables.outputs.orderBy('position', 'asc'), { label: 'outputs' }),
  notebook: () => queryDb(tables.notebook, { label: 'notebook' }),
  // Execution requests not ended yet, in the order they run.
  openRuns: () =>
    queryDb(
      tables.executionQueue.where({ status: { op: 'IN', value: OPEN } }).orderBy('executionCount', 'asc'),
      { label: 'openRuns' },
    ),
  cell: (cellId) => queryDb(tables.cells.where({ id: cellId }), { label: `cell:${cellId}` }),
  terminatedSessions: () =>
    queryDb(tables.kernelSessions.where({ isActive: false }).select('sessionId'), { label: 'terminatedSessions' }),
  // The highest execution count asked so far (a new run takes the next one).
  lastExecutionCount: () =>
    queryDb(
      {
        query: 'SELECT COALESCE(MAX(executionCount), 0) AS last FROM executionQueue',
        schema: Schema.Array(Schema.Struct({ last: Schema.Number })),
      },
      { label: 'lastExecutionCount' },
    ),
  // A kernel's newest active session and the runs it ended: the name of the namespace it
  // completes in (py/livecomplete/notebook.py session_namespace).
  kernelNamespace: (kernelId) =>
    queryDb(
      {
        query: `SELECT k.sessionId,
                  (SELECT COUNT(*) FROM executionQueue q
                   WHERE q.assignedKernelSession = k.sessionId AND q.status IN ('completed', 'failed')) AS runsEnded
                FROM kernelSessions k WHERE k.kernelId = ? AND k.isActive = 1
                ORDER BY k.rowid DESC LIMIT 1`,
        bindValues: [kernelId],
        schema: Schema.Array(Schema.Struct({ sessionId: Schema.String, runsEnded: Schema.Number })),
      },
      { label: `kernelNamespace:${kernelId}` },
    ),
}
