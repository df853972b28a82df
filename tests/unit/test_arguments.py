"""The parameter a call's arguments stand at, read in the page from the signature the kernel gave."""

import pytest

from livecomplete.arguments import active_parameter

AREA = "area(width, height=2, *, unit='m')"


@pytest.mark.parametrize(
    ("signature", "typed", "active"),
    [
        (AREA, "", "width"),
        (AREA, "3", "width"),
        (AREA, "3, ", "height"),
        (AREA, "3, 4, ", None),  # past the positional ones: `unit` is keyword-only
        (AREA, "3, 4, unit=", "unit"),
        (AREA, "width=1, height=", "height"),
        (AREA, "width=1, 2", None),  # a positional after a keyword is no parameter
        (AREA, "3, nope=", None),
        (AREA, "max(1, 2), [3, 4], ", None),  # commas inside brackets are not the call's
        (AREA, "'a, b', ", "height"),  # nor inside strings
        (AREA, '"say \\"hi, there\\"", ', "height"),
        (AREA, "x == 1, ", "height"),  # `==` is no keyword argument
        ("join(a: StrPath, *paths: StrPath) -> str", "'a', 'b', 'c'", "paths"),
        ("join(a: StrPath, *paths: StrPath) -> str", "", "a"),
        ("f(a, /, b, *args, key=None, **kwargs)", "1, 2, 3, 4", "args"),
        ("f(a, /, b, *args, key=None, **kwargs)", "1, key=", "key"),
        ("f(a, /, b, *args, key=None, **kwargs)", "1, other=", "kwargs"),
        ("get(key: _KT, default: Dict[str, int] = ...) -> _VT", "'k', ", "default"),
        ("no_parens", "1", None),
        ("f()", "1", None),
    ],
)
def test_the_active_parameter(signature, typed, active):
    assert active_parameter(signature, typed) == active
