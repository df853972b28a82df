// LiveStore's leader worker for the completion store: owns the OPFS files and the eventlog.
import { makeWorker } from '@livestore/adapter-web/worker'
import { schema } from './schema.js'

makeWorker({ schema })
