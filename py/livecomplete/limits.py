"""What the completion store keeps at most, whatever a client committed, and for how long the
sync backend keeps its history.

Its materializers (web/src/schema.js) clip every answer to these, identically on every client, so
state stays bounded and deterministic; the page's options (maxSuggestions, maxDocumentationChars,
maxDetailChars) can only lower them. The one source: build.py generates them for the JavaScript.
Imports nothing of the package, so build.py loads it alone.
"""

from __future__ import annotations

__all__ = ["BACKEND_CLEANUP", "STORED_LIMITS"]

STORED_LIMITS = {
    "suggestions": 1000,  # options per answer
    "documentationChars": 4000,
    "detailChars": 400,
    # An option's text, kind and insert text, and an answer's namespace: id-sized strings.
    "textChars": 200,
}

# When the sync backend empties a completion store's history by itself (web/sync/cleanup.js;
# docs/cleanup.md#at-the-sync-backend). A notebook's main store is never emptied. Deployments
# change the first two with LIVECOMPLETE_RETENTION_DAYS and LIVECOMPLETE_MAX_STORE_MB.
BACKEND_CLEANUP = {
    # Idle (nothing pushed) for longer than this: emptied.
    "retentionDays": 7,
    # Events stored past this size: emptied, once the store is quiet (below).
    "maxStoreMb": 50,
    # "Quiet": nothing pushed for this long. Twice the page's default response timeout, so no page
    # still waits for an answer to a request in the history that goes.
    "quietMs": 16_000,
    # How often a completion store that holds events is looked at.
    "checkSeconds": 600,
}
