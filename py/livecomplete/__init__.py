"""livecomplete: Python completions for browser notebooks, through a LiveStore event store.

The page's Python (``client``) commits ``v1.CompletionRequested``; a kernel agent (``agent``)
answers with Jedi (``kernel``) as ``v1.CompletionReceived``; ``hints`` turns the answer into a
CodeMirror completion result. Everything here imports under plain CPython; only ``_browser``
and ``_opfs`` need Pyodide.
"""

from .agent import KernelAgent, KernelBackend
from .client import CompletionClient
from .events import STATUSES, CompletionRequest, CompletionResponse, InvalidEvent, Suggestion
from .kernel import Kernel, RunResult
from .options import Options
from .store import CompletionStore

__all__ = [
    "STATUSES",
    "CompletionClient",
    "CompletionRequest",
    "CompletionResponse",
    "CompletionStore",
    "InvalidEvent",
    "Kernel",
    "KernelAgent",
    "KernelBackend",
    "Options",
    "RunResult",
    "Suggestion",
]

__version__ = "0.1.0"
