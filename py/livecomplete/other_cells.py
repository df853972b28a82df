"""Code in other cells that has not run: what completion learns from it, and where each name is from.

The kernel's namespace holds what its runs defined; a function written in a cell above but not run
yet is unknown to it. The kernel gives Jedi the top-level definitions of the cells above the one
being typed in (read from the notebook's main store) that the namespace lacks, as code before the
cell's own: Jedi infers through them without running anything, and the options they bring say
which cell they come from ("cell 2, not run"). Why these cells and these statements:
docs/how-it-works.md (Other cells).
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import hashlib
from collections.abc import Callable, Sequence

__all__ = ["MAX_OTHER_CELLS_CHARS", "MAX_PREAMBLE_CHARS", "Preamble", "named_with", "nearest_cells", "preamble"]

# What one request may carry of the cells above (nearest first), and what Jedi is given of their
# definitions: Jedi parses it on every request, so it stays a few hundred lines.
MAX_OTHER_CELLS_CHARS = 100_000
MAX_PREAMBLE_CHARS = 8_000
# The statements that define names at a cell's top level; anything else (a call, a loop, a
# print) says nothing Jedi could not learn from the namespace, and is left out.
_DEFINING = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign, ast.AnnAssign, ast.Import, ast.ImportFrom)


@dataclasses.dataclass(frozen=True)
class Preamble:
    """Code Jedi reads before the cell's own: `text` (whole lines, ending with a newline) and,
    per span of its lines, the label of the cell they come from."""

    text: str
    spans: tuple[tuple[int, str], ...]  # (last line of the span, 1-based; label), in order

    @property
    def lines(self) -> int:
        return self.spans[-1][0] if self.spans else 0

    def origin(self, line: int) -> str | None:
        """The label of the cell that line `line` of `text` comes from; None past the preamble."""
        for last, label in self.spans:
            if line <= last:
                return label
        return None


def named_with(namespace: str | None, cells: Sequence[tuple[str, str]]) -> str | None:
    """The name of the namespace an answer computed in `namespace` with `cells` above is in:
    `namespace` itself when they define nothing, else `namespace+<digest of their definitions>`.
    What Jedi is given of them follows from the two, so the page (from the notebook's store) and
    the kernel name it alike, and an answer is reused only while those definitions are unchanged."""
    defining = [(label, _definitions(source)) for label, source in cells]
    defining = [(label, found) for label, found in defining if found]
    if namespace is None or not defining:
        return namespace
    digest = hashlib.sha256()
    for label, found in defining:
        for text in (label, *(text for _, text in found)):
            digest.update(text.encode("utf-8", "surrogatepass"))
            digest.update(b"\0")
    return f"{namespace}+{digest.hexdigest()[:12]}"


def nearest_cells(cells: Sequence[tuple[str, str]], max_chars: int = MAX_OTHER_CELLS_CHARS) -> list[tuple[str, str]]:
    """The (label, source) cells in notebook order, keeping the nearest to the end whose sources
    fit in `max_chars` together."""
    kept: list[tuple[str, str]] = []
    total = 0
    for label, source in reversed(cells):
        total += len(source)
        if total > max_chars:
            break
        kept.append((label, source))
    return kept[::-1]


def preamble(
    cells: Sequence[tuple[str, str]], defined: Callable[[str], bool], max_chars: int = MAX_PREAMBLE_CHARS
) -> Preamble | None:
    """The definitions of `cells` ((label, source), in notebook order, the nearest last) that name
    something `defined` does not know (the live namespace wins where both know a name), nearest
    cells first when they do not all fit in `max_chars`; None when there are none. A cell that
    does not parse gives nothing."""
    chosen: list[tuple[str, list[str]]] = []
    room = max_chars
    for label, source in reversed(cells):
        texts = []
        for names, text in _definitions(source):
            if all(defined(name) for name in names) or len(text) + 1 > room:
                continue
            texts.append(text)
            room -= len(text) + 1
        if texts:
            chosen.append((f"{label}, not run", texts))
    if not chosen:
        return None
    parts, spans, line = [], [], 0
    for label, texts in reversed(chosen):
        block = "\n".join(texts) + "\n"
        parts.append(block)
        line += block.count("\n")
        spans.append((line, label))
    return Preamble("".join(parts), tuple(spans))


@functools.lru_cache(maxsize=512)
def _definitions(source: str) -> tuple[tuple[frozenset[str], str], ...]:
    """The top-level defining statements of a cell: the names each defines, and its text."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # half-typed, or hostile
        return ()
    lines = source.splitlines()
    found = []
    for node in tree.body:
        if not isinstance(node, _DEFINING):
            continue
        names = _names_defined(node)
        if not names:
            continue
        if node.col_offset == 0:
            decorators = getattr(node, "decorator_list", [])
            first = min([node.lineno] + [d.lineno for d in decorators])
            text = "\n".join(lines[first - 1 : node.end_lineno])
        else:  # after a `;`: a simple statement, on one line
            text = ast.get_source_segment(source, node) or ""
        if text:
            found.append((frozenset(names), text))
    return tuple(found)


def _names_defined(node: ast.stmt) -> set[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        if any(alias.name == "*" for alias in node.names):
            return set()  # which names a star import brings is the module's to say
        return {alias.asname or alias.name.split(".")[0] for alias in node.names}
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]  # type: ignore[attr-defined]
    return {name for target in targets for name in _bound(target)}


def _bound(target: ast.expr) -> list[str]:
    """The names an assignment target binds: `a`, `a, (b, *c)`; not `d["k"]` or `obj.x`."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Starred):
        return _bound(target.value)
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for element in target.elts for name in _bound(element)]
    return []
