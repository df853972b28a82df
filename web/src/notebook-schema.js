// The notebook's main store (store id = notebook id): the tables Anode's notebook events
// (notebook-events.js) materialize into, and the schema. Shared by the page, its LiveStore
// workers and remote kernels (no browser APIs).
//
// Materializers never trust the order events arrive in: an id seen twice keeps the first, a run
// that ended stays ended, and a run's start or end for an unknown run changes nothing. What a row
// holds is validated again where it is read (py/livecomplete/notebook.py).
import { Schema, State, makeSchema } from '@livestore/livestore'
import { events } from './notebook-events.js'

export { events }

export const tables = {
  notebook: State.SQLite.table({
    name: 'notebook',
    columns: {
      id: State.SQLite.text({ primaryKey: true }),
      title: State.SQLite.text({ default: 'Untitled notebook' }),
      ownerId: State.SQLite.text(),
    },
  }),
  cells: State.SQLite.table({
    name: 'cells',
    columns: {
      id: State.SQLite.text({ primaryKey: true }),
      cellType: State.SQLite.text({ default: 'code' }),
      source: State.SQLite.text({ default: '' }),
      position: State.SQLite.real(),
      executionCount: State.SQLite.integer({ nullable: true }),
      // idle | queued | running | completed | error
      executionState: State.SQLite.text({ default: 'idle' }),
      assignedKernelSession: State.SQLite.text({ nullable: true }),
      createdBy: State.SQLite.text(),
      // Who wrote the source last (v1.CellSourceChanged's modifiedBy).
      modifiedBy: State.SQLite.text({ nullable: true }),
    },
  }),
  outputs: State.SQLite.table({
    name: 'outputs',
    columns: {
      id: State.SQLite.text({ primaryKey: true }),
      cellId: State.SQLite.text(),
      outputType: State.SQLite.text(),
      data: State.SQLite.json({ schema: Schema.Any }),
      position: State.SQLite.real(),
    },
    indexes: [{ name: 'outputsOfCell', columns: ['cellId'] }],
  }),
  kernelSessions: State.SQLite.table({
    name: 'kernelSessions',
    columns: {
      sessionId: State.SQLite.text({ primaryKey: true }),
      kernelId: State.SQLite.text(),
      kernelType: State.SQLite.text({ default: 'python3' }),
      // ready | busy | terminated
      status: State.SQLite.text({ default: 'ready' }),
      isActive: State.SQLite.boolean({ default: true }),
      canExecuteCode: State.SQLite.boolean({ default: false }),
    },
  }),
  executionQueue: State.SQLite.table({
    name: 'executionQueue',
    columns: {
      id: State.SQLite.text({ primaryKey: true }),
      cellId: State.SQLite.text(),
      executionCount: State.SQLite.integer(),
      requestedBy: State.SQLite.text(),
      // pending | assigned | executing | completed | failed | cancelled
      status: State.SQLite.text({ default: 'pending' }),
      assignedKernelSession: State.SQLite.text({ nullable: true }),
      priority: State.SQLite.integer({ default: 0 }),
      // Why it failed, when it did (v1.ExecutionCompleted's error).
      error: State.SQLite.text({ nullable: true }),
    },
    indexes: [{ name: 'queueByStatus', columns: ['status'] }],
  }),
}

const ENDED = new Set(['completed', 'failed', 'cancelled'])

/** The queue entry `queueId`, or null. */
const entry = (query, queueId) => query(tables.executionQueue.where({ id: queueId }))[0] ?? null

const materializers = State.SQLite.materializers(events, {
  'v1.NotebookInitialized': ({ id, title, ownerId }) =>
    tables.notebook.insert({ id, title, ownerId }).onConflict('id', 'ignore'),
  'v1.NotebookTitleChanged': ({ title }) => tables.notebook.update({ title }),
  'v1.CellCreated': ({ id, cellType, position, createdBy }) =>
    tables.cells.insert({ id, cellType, position, createdBy }).onConflict('id', 'ignore'),
  'v1.CellSourceChanged': ({ id, source, modifiedBy }) => tables.cells.update({ source, modifiedBy }).where({ id }),
  'v1.CellTypeChanged': ({ id, cellType }) => tables.cells.update({ cellType }).where({ id }),
  // Its outputs go with it: nothing shows them any more.
  'v1.CellDeleted': ({ id }) => [tables.cells.delete().where({ id }), tables.outputs.delete().where({ cellId: id })],
  'v1.CellMoved': ({ id, newPosition }) => tables.cells.update({ position: newPosition }).where({ id }),
  'v1.KernelSessionStarted': ({ sessionId, kernelId, kernelType, capabilities }) =>
    tables.kernelSessions
      .insert({ sessionId, kernelId, kernelType, status: 'ready', canExecuteCode: capabilities.canExecuteCode })
      .onConflict('sessionId', 'ignore'),
  'v1.KernelSessionHeartbeat': ({ sessionId, status }) =>
    tables.kernelSessions.update({ status }).where({ sessionId, isActive: true }),
  'v1.KernelSessionTerminated': ({ sessionId }) =>
    tables.kernelSessions.update({ status: 'terminated', isActive: false }).where({ sessionId }),
  'v1.ExecutionRequested': ({ queueId, cellId, executionCount, requestedBy, priority }, { query }) => {
    if (entry(query, queueId)) return []
    return [
      tables.executionQueue.insert({ id: queueId, cellId, executionCount, requestedBy, priority, status: 'pending' }),
      tables.cells.update({ executionState: 'queued', executionCount }).where({ id: cellId }),
    ]
  },
  'v1.ExecutionAssigned': ({ queueId, kernelSessionId }, { query }) => {
    if (entry(query, queueId)?.status !== 'pending') return []
    return tables.executionQueue.update({ status: 'assigned', assignedKernelSession: kernelSessionId }).where({ id: queueId })
  },
  'v1.ExecutionStarted': ({ queueId, kernelSessionId }, { query }) => {
    const queued = entry(query, queueId)
    if (!queued || !['pending', 'assigned'].includes(queued.status)) return []
    return [
      tables.executionQueue.update({ status: 'executing', assignedKernelSession: kernelSessionId }).where({ id: queueId }),
      tables.cells
        .update({ executionState: 'running', assignedKernelSession: kernelSessionId })
        .where({ id: queued.cellId }),
    ]
  },
  'v1.ExecutionCompleted': ({ queueId, status, error }, { query }) => {
    const queued = entry(query, queueId)
    if (!queued || ENDED.has(queued.status)) return []
    const ended = { success: 'completed', error: 'failed', cancelled: 'cancelled' }[status]
    const cellState = { success: 'completed', error: 'error', cancelled: 'idle' }[status]
    return [
      tables.executionQueue.update({ status: ended, error: error ?? null }).where({ id: queueId }),
      tables.cells.update({ executionState: cellState }).where({ id: queued.cellId }),
    ]
  },
  'v1.ExecutionCancelled': ({ queueId, reason }, { query }) => {
    const queued = entry(query, queueId)
    if (!queued || ENDED.has(queued.status)) return []
    return [
      tables.executionQueue.update({ status: 'cancelled', error: reason }).where({ id: queueId }),
      tables.cells.update({ executionState: 'idle' }).where({ id: queued.cellId }),
    ]
  },
  'v1.CellOutputAdded': ({ id, cellId, outputType, data, position }) =>
    tables.outputs.insert({ id, cellId, outputType, data, position }).onConflict('id', 'ignore'),
  'v1.CellOutputsCleared': ({ cellId }) => tables.outputs.delete().where({ cellId }),
})

export const schema = makeSchema({ events, state: State.SQLite.makeState({ tables, materializers }) })
