"""Tokens and roles (livecomplete.access), and the JavaScript that checks them at the sync backend
(web/sync/access.js) agreeing with the Python that mints them."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from livecomplete import access
from livecomplete.access import EVENTS_BY_ROLE, KERNEL_EVENTS, WRITE_EVENTS, TokenRefused, mint_token, read_claims, verify_token

ROOT = Path(__file__).resolve().parents[2]
SECRET = "s" * 64
NOW = 1_800_000_000


def token(role="write", notebook="nb-1", exp=NOW + 60, secret=SECRET):
    return mint_token(secret, notebook, role, exp)


def test_a_token_grants_its_role_on_its_notebook_until_it_expires():
    for role in access.ROLES:
        claims = verify_token(token(role), SECRET, "nb-1", NOW)
        assert (claims.notebook, claims.role, claims.exp) == ("nb-1", role, NOW + 60)
    with pytest.raises(TokenRefused, match="^the token has expired$"):
        verify_token(token(), SECRET, "nb-1", NOW + 60)
    with pytest.raises(TokenRefused, match=r"^the token is for another notebook \(nb-1\)$"):
        verify_token(token(), SECRET, "nb-2", NOW)


def test_a_token_signed_otherwise_or_altered_is_refused():
    with pytest.raises(TokenRefused, match="^bad signature$"):
        verify_token(token(secret="t" * 64), SECRET, "nb-1", NOW)
    # The claims of a write token rewritten to kernel, its signature kept.
    prefix, claims, signature = token("write").split(".")
    promoted = json.loads(base64.urlsafe_b64decode(claims + "=="))
    promoted["role"] = "kernel"
    forged = base64.urlsafe_b64encode(json.dumps(promoted).encode()).rstrip(b"=").decode()
    with pytest.raises(TokenRefused, match="^bad signature$"):
        verify_token(f"{prefix}.{forged}.{signature}", SECRET, "nb-1", NOW)


@pytest.mark.parametrize("bad", [None, "", "lc1", "lc1.a.b.c", "lc2.e30.sig", "lc1.!!!.sig", "lc1.e30.sig",
                                 "lc1." + base64.urlsafe_b64encode(b'{"notebook":"nb-1","role":"admin","exp":1}').decode() + ".sig",
                                 42])
def test_what_is_not_a_token_is_refused_saying_so_and_not_echoing_it(bad):
    with pytest.raises(TokenRefused) as refused:
        verify_token(bad, SECRET, "nb-1", NOW)
    assert str(refused.value) in ("no token", "not a livecomplete token")


def test_minting_refuses_what_would_make_a_useless_or_weak_token():
    with pytest.raises(ValueError, match="at least 32 characters"):
        mint_token("short", "nb-1", "write", NOW)
    with pytest.raises(ValueError, match="role must be one of read, write, kernel; got 'admin'"):
        mint_token(SECRET, "nb-1", "admin", NOW)
    with pytest.raises(ValueError, match="exp must be a positive number of seconds"):
        mint_token(SECRET, "nb-1", "write", 0)
    with pytest.raises(ValueError, match="not a notebook id"):
        mint_token(SECRET, "", "write", NOW)
    assert read_claims(token("read")).role == "read"
    assert len(access.new_secret()) == 64 and access.new_secret() != access.new_secret()


def test_every_event_of_both_stores_belongs_to_exactly_one_role_that_may_write_it():
    names = set()
    for schema in ("schema.js", "notebook-events.js"):
        names |= set(re.findall(r"name: '(v1\.\w+)'", (ROOT / "web" / "src" / schema).read_text()))
    assert names == WRITE_EVENTS | KERNEL_EVENTS
    assert not WRITE_EVENTS & KERNEL_EVENTS
    assert EVENTS_BY_ROLE["read"] == frozenset()
    # Announcing and answering are a kernel's alone: a person's token cannot silence anyone.
    assert {"v1.KernelAnnounced", "v1.CompletionReceived", "v1.CellOutputAdded"} <= KERNEL_EVENTS - EVENTS_BY_ROLE["write"]


JS_CHECK = """
import { verifyToken, refusedPush, readClaims } from './web/sync/access.js'
const [secret, now, cases] = JSON.parse(process.argv[1])
const results = []
for (const [tokenText, notebook] of cases) {
  try {
    const claims = await verifyToken(tokenText, secret, notebook, now)
    results.push({ role: claims.role, write: refusedPush(claims, [{ name: 'v1.CellSourceChanged' }]),
                   announce: refusedPush(claims, [{ name: 'v1.KernelAnnounced' }]) })
  } catch (error) {
    results.push({ refused: error.message })
  }
}
console.log(JSON.stringify(results))
"""


def test_the_backends_javascript_agrees_with_the_python_that_mints():
    sys.path.insert(0, str(ROOT))
    import build

    build.write_facts()
    prefix, claims, signature = token("write").split(".")
    cases = [
        (token("read"), "nb-1"), (token("write"), "nb-1"), (token("kernel"), "nb-1"),
        (token(exp=NOW), "nb-1"), (token(), "nb-2"), (token(secret="t" * 64), "nb-1"),
        (f"{prefix}.{claims}.{signature[:-2]}AA", "nb-1"), ("nonsense", "nb-1"), (None, "nb-1"),
    ]
    node = subprocess.run(
        ["node", "--input-type=module", "-e", JS_CHECK, json.dumps([SECRET, NOW, cases])],
        cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert node.returncode == 0, node.stderr
    results = json.loads(node.stdout)
    assert results[:3] == [
        {"role": "read", "write": "a read token may not write v1.CellSourceChanged",
         "announce": "a read token may not write v1.KernelAnnounced"},
        {"role": "write", "write": None, "announce": "a write token may not write v1.KernelAnnounced"},
        {"role": "kernel", "write": None, "announce": None},
    ]
    for (text, notebook), result in zip(cases[3:], results[3:]):
        with pytest.raises(TokenRefused) as python_says:
            verify_token(text, SECRET, notebook, NOW)
        assert result == {"refused": str(python_says.value)}
