"""Who may use a notebook through a sync backend: signed tokens and the roles they grant.

A token names one notebook (its main store and its completion store, nothing else), an expiry
and a role. The backend checks it when a client connects and on every push (web/sync/access.js);
pages and kernels only carry it. The one source of the roles, of what each may push and of the
token's format: build.py generates them for the JavaScript (facts.mjs), mints tokens with
`mint_token` (`build.py token`, `build.py sync`), and the tests check both sides agree. It
imports nothing of the package, so build.py loads it alone. Design and threat model: docs/access.md.

Format: ``lc1.<claims>.<signature>``; claims are base64url JSON ``{"notebook", "role", "exp"}``
(exp in Unix seconds), the signature base64url HMAC-SHA256 of ``lc1.<claims>`` keyed with the
backend's secret (its UTF-8 text).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

__all__ = [
    "EVENTS_BY_ROLE",
    "KERNEL_EVENTS",
    "ROLES",
    "TOKEN_PREFIX",
    "WRITE_EVENTS",
    "Claims",
    "TokenRefused",
    "mint_token",
    "new_secret",
    "read_claims",
    "verify_token",
]

TOKEN_PREFIX = "lc1"
# read: sees the notebook and its completions; write: edits, runs and asks; kernel: also
# announces itself, runs cells and answers (a page holding one lets its own kernel serve).
ROLES = ("read", "write", "kernel")
# What a person writes: the notebook's cells, run requests and completion requests.
WRITE_EVENTS = frozenset({
    "v1.NotebookInitialized", "v1.NotebookTitleChanged", "v1.CellCreated", "v1.CellSourceChanged",
    "v1.CellTypeChanged", "v1.CellDeleted", "v1.CellMoved", "v1.ExecutionRequested",
    "v1.ExecutionCancelled", "v1.CompletionRequested", "v1.OperationRequested",
})
# What only a kernel writes: its announcements and sessions, runs' progress and outputs, answers.
KERNEL_EVENTS = frozenset({
    "v1.KernelAnnounced", "v1.KernelLeft", "v1.CompletionReceived", "v1.CompletionNamespace",
    "v1.KernelSessionStarted", "v1.KernelSessionHeartbeat", "v1.KernelSessionTerminated",
    "v1.ExecutionAssigned", "v1.ExecutionStarted", "v1.ExecutionCompleted", "v1.CellOutputAdded",
    "v1.CellOutputsCleared",
})
EVENTS_BY_ROLE = {"read": frozenset(), "write": WRITE_EVENTS, "kernel": WRITE_EVENTS | KERNEL_EVENTS}
# A secret shorter than this is refused: HMAC-SHA256 wants at least its output's 32 bytes.
MIN_SECRET_LENGTH = 32


class TokenRefused(ValueError):
    """A token that grants nothing; the message says why, without the token."""


@dataclass(frozen=True)
class Claims:
    notebook: str
    role: str
    exp: int  # Unix seconds


def new_secret() -> str:
    """A backend secret: 64 hex digits."""
    return secrets.token_hex(32)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: str, signed: str) -> str:
    return _b64(hmac.new(secret.encode(), signed.encode(), hashlib.sha256).digest())


def _check_secret(secret: str) -> None:
    if not isinstance(secret, str) or len(secret) < MIN_SECRET_LENGTH:
        raise ValueError(f"the secret must be at least {MIN_SECRET_LENGTH} characters")


def mint_token(secret: str, notebook: str, role: str, exp: int) -> str:
    """A token granting `role` on `notebook` until `exp` (Unix seconds); ValueError names a bad argument."""
    _check_secret(secret)
    if not isinstance(notebook, str) or not notebook:
        raise ValueError(f"not a notebook id: {notebook!r}")
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}; got {role!r}")
    if not isinstance(exp, int) or isinstance(exp, bool) or exp <= 0:
        raise ValueError(f"exp must be a positive number of seconds; got {exp!r}")
    claims = _b64(json.dumps({"notebook": notebook, "role": role, "exp": exp}, separators=(",", ":")).encode())
    signed = f"{TOKEN_PREFIX}.{claims}"
    return f"{signed}.{_signature(secret, signed)}"


def read_claims(token: object) -> Claims:
    """The claims a token makes, unverified (a client reads its own role from them)."""
    if not token:
        raise TokenRefused("no token")
    parts = token.split(".") if isinstance(token, str) else []
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        raise TokenRefused("not a livecomplete token")
    try:
        claims = json.loads(_unb64(parts[1]))
    except (ValueError, binascii.Error):
        raise TokenRefused("not a livecomplete token") from None
    if not isinstance(claims, dict):
        raise TokenRefused("not a livecomplete token")
    notebook, role, exp = claims.get("notebook"), claims.get("role"), claims.get("exp")
    if not isinstance(notebook, str) or role not in ROLES or not isinstance(exp, int) or isinstance(exp, bool):
        raise TokenRefused("not a livecomplete token")
    return Claims(notebook, role, exp)


def verify_token(token: object, secret: str, notebook: str, now: float) -> Claims:
    """The claims of a token signed with `secret`, for `notebook`, unexpired at `now` (Unix
    seconds); TokenRefused says why not."""
    _check_secret(secret)
    claims = read_claims(token)
    signed, _, signature = token.rpartition(".")
    if not hmac.compare_digest(signature.encode(), _signature(secret, signed).encode()):
        raise TokenRefused("bad signature")
    if claims.exp <= now:
        raise TokenRefused("the token has expired")
    if claims.notebook != notebook:
        raise TokenRefused(f"the token is for another notebook ({claims.notebook})")
    return claims
