// LiveStore's leader worker for a notebook's main store: owns its OPFS files and event log.
import { makeWorker } from '@livestore/adapter-web/worker'
import { schema } from './notebook-schema.js'

makeWorker({ schema })
