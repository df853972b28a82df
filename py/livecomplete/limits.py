"""What the completion store keeps at most, whatever a client committed.

Its materializers (web/src/schema.js) clip every answer to these, identically on every client, so
state stays bounded and deterministic; the page's options (maxSuggestions, maxDocumentationChars,
maxDetailChars) can only lower them. The one source: build.py generates them for the JavaScript.
Imports nothing of the package, so build.py loads it alone.
"""

from __future__ import annotations

__all__ = ["STORED_LIMITS"]

STORED_LIMITS = {
    "suggestions": 1000,  # options per answer
    "documentationChars": 4000,
    "detailChars": 400,
    # An option's text, kind and insert text, and an answer's namespace: id-sized strings.
    "textChars": 200,
}
