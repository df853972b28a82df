"""The public surface is small and listed; changing it is a deliberate act."""

import livecomplete


def test_public_names_are_exactly_the_listed_ones():
    assert livecomplete.__all__ == [
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
    for name in livecomplete.__all__:
        assert hasattr(livecomplete, name)


def test_package_imports_without_pyodide():
    import sys

    assert "js" not in sys.modules and "pyodide" not in sys.modules


def test_the_js_public_door_exports_exactly_the_listed_names():
    import re
    from pathlib import Path

    source = (Path(__file__).resolve().parents[2] / "web" / "src" / "livecomplete.js").read_text()
    exported = re.findall(r"^export (?:async )?(?:function|class|const|let) (\w+)", source, re.MULTILINE)
    assert exported == ["createLivecomplete", "Livecomplete"]
    assert "export {" not in source and "export default" not in source
