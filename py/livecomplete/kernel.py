"""The kernel: runs cells in one namespace and completes code with Jedi over that namespace.

Knows nothing of stores or JavaScript; the page hosts it in a Pyodide worker (``_worker``),
tests run it under CPython. Completion works within a soft time budget: past it, the remaining
options come with their names only.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import dataclasses
import io
import linecache
import re
import time
import traceback
from collections.abc import Sequence
from typing import Any

from .events import MAX_ID_CHARS, Suggestion, clip_text
from .offsets import line_column, utf16_to_index
from .options import Options
from .other_cells import Preamble, preamble
from .words import Word, typed_word

__all__ = ["OPERATIONS", "Kernel", "RunResult"]

# Jedi's `Completion.type` values -> the kinds stored in events (the proposal names
# 'function', 'variable', 'keyword'; the rest keep Jedi's word).
_KINDS = {
    "instance": "variable",
    "statement": "variable",
    "function": "function",
    "class": "class",
    "module": "module",
    "keyword": "keyword",
    "property": "property",
    "param": "param",
    "path": "path",
}
# A name or attribute chain subscripted with a key being typed: `df["`, `self.data['co`.
_SUBSCRIPTED = re.compile(
    r"(?<![\w.])(?P<expression>[^\W\d]\w*(?:\s*\.\s*[^\W\d]\w*)*)\s*\[\s*[\"'][^\"'\\\n]*\Z"
)
# A call's tooltip shows this many of its signatures (overloads), each with its docstring's first lines.
SHOWN_SIGNATURES = 3
SIGNATURE_DOC_LINES = 6
# Kind of an option whose type was not looked up because the time budget ran out.
UNRESOLVED_KIND = "name"


@dataclasses.dataclass(frozen=True)
class RunResult:
    execution_count: int
    stdout: str
    stderr: str
    value: str | None  # repr of the cell's last expression, as a notebook shows it
    error: str | None  # the traceback text when the cell raised

    def to_plain(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class Kernel:
    def __init__(self, options: Options = Options()) -> None:
        self.options = options
        self.namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins}
        self.execution_count = 0

    def run(self, code: str) -> RunResult:
        """Run a cell; output, the last expression's repr and any traceback come back as text."""
        self.execution_count += 1
        filename = f"<cell {self.execution_count}>"
        # Registered so tracebacks can quote the cell's lines.
        linecache.cache[filename] = (len(code), None, code.splitlines(keepends=True), filename)
        stdout, stderr = io.StringIO(), io.StringIO()
        value = error = None
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                result = self._execute(code, filename)
                if result is not None:
                    value = repr(result)
            except BaseException as exc:  # the cell's error is the user's output, whatever it is
                error = _user_traceback(exc)
        return RunResult(self.execution_count, stdout.getvalue(), stderr.getvalue(), value, error)

    def _execute(self, code: str, filename: str) -> Any:
        tree = ast.parse(code, filename, "exec")
        last = tree.body[-1] if tree.body else None
        if isinstance(last, ast.Expr):
            tree.body.pop()
            exec(compile(tree, filename, "exec"), self.namespace)
            return eval(compile(ast.Expression(last.value), filename, "eval"), self.namespace)
        exec(compile(tree, filename, "exec"), self.namespace)
        return None

    def answer(
        self, operation: str, source: str, cursor: int, other_cells: Sequence[tuple[str, str]] = ()
    ) -> list[Suggestion]:
        """What `operation` (events.OPERATIONS) computes at `cursor` in `source`, by the table, also
        knowing the definitions in `other_cells` ((label, source) of the cells above, nearest
        last) that the namespace lacks (`other_cells.preamble`)."""
        known = self.namespace.__contains__
        context = preamble(other_cells, lambda name: known(name) or hasattr(builtins, name))
        return OPERATIONS[operation](self, source, cursor, context)

    def complete(self, source: str, cursor: int, context: Preamble | None = None) -> list[Suggestion]:
        """Jedi completions at `cursor`, a UTF-16 offset into `source`, over the namespace (and
        the `context` code of other cells, read before the cell's own)."""
        index = utf16_to_index(source, cursor)
        completions = _script(self.namespace, source, index, context).complete(*_position(source, index, context))
        word = typed_word(source[:index])
        if word.is_key:
            return self._keys(source[:index], word, completions)
        if word.hides_private:  # the popup shows none: they would only fill the store
            completions = [c for c in completions if not c.name.startswith("_")]
        deadline = time.perf_counter() + self.options.jedi_budget_ms / 1000
        suggestions = []
        for position, completion in enumerate(completions[: self.options.max_suggestions]):
            in_budget = time.perf_counter() < deadline
            documented = in_budget and position < self.options.documented_options
            suggestions.append(self._suggestion(completion, in_budget, documented, _origin(completion, context)))
        return suggestions

    def signatures(self, source: str, cursor: int, context: Preamble | None = None) -> list[Suggestion]:
        """The signatures of the call at `cursor`, one suggestion each: `text` the signature,
        `detail` the parameter the cursor is at (none past the last), `documentation` the first
        lines of the callable's docstring, as plain text."""
        index = utf16_to_index(source, cursor)
        found = _script(self.namespace, source, index, context).get_signatures(*_position(source, index, context))
        return [self._signature_suggestion(signature) for signature in found[:SHOWN_SIGNATURES]]

    def _signature_suggestion(self, signature: Any) -> Suggestion:
        params = signature.params
        index = signature.index
        active = params[index].name if index is not None and 0 <= index < len(params) else None
        doc = "\n".join(signature.docstring(raw=True).strip().splitlines()[:SIGNATURE_DOC_LINES])
        return Suggestion(
            text=clip_text(signature.to_string(), self.options.max_detail_chars) or signature.name,
            kind="signature",
            detail=active,
            documentation=clip_text(doc, self.options.max_documentation_chars) or None,
        )

    def _keys(self, before: str, word: Word, completions: list[Any]) -> list[Suggestion]:
        """The keys of the object subscripted before the cursor that start with the word: Jedi's
        (a dict's string keys), then its `_ipython_key_completions_()` (pandas has them)."""
        # Jedi's string options are the quoted keys (without the closing quote when the editor
        # already closed it); its paths (a string that is no key) are not.
        keys = [_unquoted(c.name, word.quote) for c in completions if c.type == "string"]
        keys += self._ipython_keys(before)
        unique = list(dict.fromkeys(k for k in keys if k.startswith(word.prefix)))
        # A suggestion's text is an id-sized string (events.MAX_ID_CHARS): a longer key is cut.
        return [Suggestion(text=clip_text(k, MAX_ID_CHARS), kind="key") for k in unique[: self.options.max_suggestions]]

    def _ipython_keys(self, before: str) -> list[str]:
        """`obj._ipython_key_completions_()` for a plain name or attribute chain before `[`; only
        the object's own method is called, never an expression of the cell."""
        match = _SUBSCRIPTED.search(before)
        if not match:
            return []
        root, *attributes = (part.strip() for part in match["expression"].split("."))
        try:
            target = self.namespace[root]
            for attribute in attributes:
                target = getattr(target, attribute)
            method = getattr(type(target), "_ipython_key_completions_", None)
            keys = method(target) if callable(method) else []
            return [key for key in keys if isinstance(key, str)][: self.options.max_suggestions]
        except Exception:  # the user's object misbehaving is no reason to fail the completion
            return []

    def _suggestion(self, completion: Any, typed: bool, documented: bool, origin: str | None) -> Suggestion:
        kind = _KINDS.get(completion.type, completion.type) if typed else UNRESOLVED_KIND
        detail = documentation = None
        if documented:
            detail = _signature(completion)
            documentation = clip_text(
                completion.docstring(raw=True, fast=True), self.options.max_documentation_chars
            )
        if origin is not None:
            # Where it comes from is what the popup's line says; the signature heads the docs.
            documentation = "\n\n".join(filter(None, [detail, documentation])) or None
            detail = origin
        return Suggestion(
            text=completion.name,
            kind=kind,
            documentation=documentation or None,
            detail=clip_text(detail, self.options.max_detail_chars),
        )


def _script(namespace: dict[str, Any], source: str, index: int, context: Preamble | None) -> Any:
    """Jedi's view of the cell (after the `context` code, when there is some) over `namespace`."""
    import jedi  # imported on first use: it takes a second to load under Pyodide

    return jedi.Interpreter(context.text + source if context else source, [namespace])


def _position(source: str, index: int, context: Preamble | None) -> tuple[int, int]:
    """Jedi's 1-based line and column of code-point `index` of the cell, below the `context`."""
    line, column = line_column(source, index)
    return (line + (context.lines if context else 0), column)


def _origin(completion: Any, context: Preamble | None) -> str | None:
    """The label of the other cell whose code defines `completion`; None for any other name."""
    line = completion.line if context is not None else None
    if not isinstance(line, int) or line > context.lines:  # type: ignore[union-attr]
        return None
    if completion.module_path is not None or completion.module_name != "__main__":
        return None  # a module's own line numbers
    return context.origin(line)  # type: ignore[union-attr]


def _unquoted(name: str, quote: str) -> str:
    """A key as Jedi names it (`"alpha"`, or `"alpha` when a quote follows the cursor), bare."""
    name = name[1:] if name[:1] in ("'", '"') else name
    return name[:-1] if name.endswith(quote) else name


def _signature(completion: Any) -> str | None:
    if completion.type not in ("function", "class"):
        return None
    signatures = completion.get_signatures()
    return signatures[0].to_string() if signatures else None


def _user_traceback(exc: BaseException) -> str:
    """The traceback from the cell's own frames down, without the kernel's frames."""
    tb = exc.__traceback__
    while tb is not None and not tb.tb_frame.f_code.co_filename.startswith("<cell "):
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb))


# One table for every operation a request can ask (events.OPERATIONS): a new one is a function
# here and a view in the page. A description is the completion of the word completed to the option.
OPERATIONS = {"complete": Kernel.complete, "describe": Kernel.complete, "signature": Kernel.signatures}
