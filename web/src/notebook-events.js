// The notebook's main store events: Anode's notebook events by name and field, code cells only
// (../shared/reference/anode-notebook-schema.md; docs/notebook.md says what we kept and why).
// Shared by the page, its LiveStore workers and remote kernels (no browser APIs).
import { Events, Schema } from '@livestore/livestore'

const CellType = Schema.Literal('code', 'markdown', 'raw', 'sql', 'ai')
const OutputType = Schema.Literal('display_data', 'execute_result', 'stream', 'error')

export const events = {
  notebookInitialized: Events.synced({
    name: 'v1.NotebookInitialized',
    schema: Schema.Struct({ id: Schema.String, title: Schema.String, ownerId: Schema.String }),
  }),
  notebookTitleChanged: Events.synced({
    name: 'v1.NotebookTitleChanged',
    schema: Schema.Struct({ title: Schema.String }),
  }),
  cellCreated: Events.synced({
    name: 'v1.CellCreated',
    schema: Schema.Struct({ id: Schema.String, cellType: CellType, position: Schema.Number, createdBy: Schema.String }),
  }),
  // The whole source: the last writer wins per cell.
  cellSourceChanged: Events.synced({
    name: 'v1.CellSourceChanged',
    schema: Schema.Struct({ id: Schema.String, source: Schema.String, modifiedBy: Schema.String }),
  }),
  cellTypeChanged: Events.synced({
    name: 'v1.CellTypeChanged',
    schema: Schema.Struct({ id: Schema.String, cellType: CellType }),
  }),
  cellDeleted: Events.synced({ name: 'v1.CellDeleted', schema: Schema.Struct({ id: Schema.String }) }),
  cellMoved: Events.synced({
    name: 'v1.CellMoved',
    schema: Schema.Struct({ id: Schema.String, newPosition: Schema.Number }),
  }),
  kernelSessionStarted: Events.synced({
    name: 'v1.KernelSessionStarted',
    schema: Schema.Struct({
      sessionId: Schema.String,
      kernelId: Schema.String,
      kernelType: Schema.String,
      capabilities: Schema.Struct({
        canExecuteCode: Schema.Boolean,
        canExecuteSql: Schema.Boolean,
        canExecuteAi: Schema.Boolean,
      }),
    }),
  }),
  kernelSessionHeartbeat: Events.synced({
    name: 'v1.KernelSessionHeartbeat',
    schema: Schema.Struct({ sessionId: Schema.String, status: Schema.Literal('ready', 'busy') }),
  }),
  kernelSessionTerminated: Events.synced({
    name: 'v1.KernelSessionTerminated',
    schema: Schema.Struct({
      sessionId: Schema.String,
      reason: Schema.Literal('shutdown', 'restart', 'error', 'timeout'),
    }),
  }),
  executionRequested: Events.synced({
    name: 'v1.ExecutionRequested',
    schema: Schema.Struct({
      queueId: Schema.String,
      cellId: Schema.String,
      executionCount: Schema.Number,
      requestedBy: Schema.String,
      priority: Schema.Number,
    }),
  }),
  executionAssigned: Events.synced({
    name: 'v1.ExecutionAssigned',
    schema: Schema.Struct({ queueId: Schema.String, kernelSessionId: Schema.String }),
  }),
  executionStarted: Events.synced({
    name: 'v1.ExecutionStarted',
    schema: Schema.Struct({ queueId: Schema.String, kernelSessionId: Schema.String }),
  }),
  executionCompleted: Events.synced({
    name: 'v1.ExecutionCompleted',
    schema: Schema.Struct({
      queueId: Schema.String,
      status: Schema.Literal('success', 'error', 'cancelled'),
      error: Schema.optional(Schema.String),
    }),
  }),
  executionCancelled: Events.synced({
    name: 'v1.ExecutionCancelled',
    schema: Schema.Struct({ queueId: Schema.String, cancelledBy: Schema.String, reason: Schema.String }),
  }),
  cellOutputAdded: Events.synced({
    name: 'v1.CellOutputAdded',
    schema: Schema.Struct({
      id: Schema.String,
      cellId: Schema.String,
      outputType: OutputType,
      data: Schema.Any,
      position: Schema.Number,
    }),
  }),
  cellOutputsCleared: Events.synced({
    name: 'v1.CellOutputsCleared',
    schema: Schema.Struct({ cellId: Schema.String, clearedBy: Schema.String }),
  }),
}
