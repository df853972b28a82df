"""Suggestions -> CodeMirror results: from/to in UTF-16, prefix-anchored validFor, options."""

import re

import pytest

from livecomplete import Suggestion
from livecomplete.hints import to_completion_result, to_signature_help
from livecomplete.words import asks, typed_word
from livecomplete.offsets import utf16_length


def js_regex(valid_for):
    """The JS pattern, checked here with Python's re (\\p{..} classes replaced by \\w)."""
    source = valid_for["source"].replace(r"[\p{L}\p{M}\p{N}\p{Pc}]", r"\w")
    return re.compile(source, re.IGNORECASE)


@pytest.mark.parametrize(
    ("before", "prefix"),
    [("os.pa", "pa"), ("os.", ""), ("x = café", "café"), ("print(", ""), ("", "")],
)
def test_the_typed_word(before, prefix):
    assert typed_word(before).prefix == prefix


@pytest.mark.parametrize(
    ("before", "explicit", "expected"),
    [
        ("os.pa", False, True),
        ("os.", False, True),
        ("x = ", False, False),
        ("x = 12", False, False),
        ("x = 1.", False, True),  # Jedi answers nothing there; asking is harmless
        ("range(..", False, False),
        ("x = ", True, True),
        ("", False, False),
    ],
)
def test_where_typing_asks(before, explicit, expected):
    assert asks(before, explicit=explicit) is expected


def test_result_spans_the_typed_word_and_keeps_jedi_order():
    suggestions = [Suggestion("pardir", "variable"), Suggestion("path", "module"), Suggestion("_exit", "function")]
    result = to_completion_result(suggestions, text_before_cursor="import os\nos.pa", cursor=15)
    assert result["from"] == 13 and result["to"] == 15
    assert [o["label"] for o in result["options"]] == ["pardir", "path", "_exit"]
    assert result["options"][1] == {"label": "path", "type": "namespace", "detail": "module"}
    assert result["options"][2]["boost"] < 0


def test_from_counts_utf16_units_after_an_emoji():
    before = 's = "🐍"\ns.up'
    cursor = utf16_length(before)
    result = to_completion_result([Suggestion("upper", "function")], text_before_cursor=before, cursor=cursor)
    assert result["from"] == cursor - 2


def test_from_counts_utf16_units_of_an_astral_identifier():
    before = "𝑥𝑦 = 1\n𝑥"  # mathematical italic letters: valid identifiers, 2 UTF-16 units each
    cursor = utf16_length(before)
    result = to_completion_result([Suggestion("𝑥𝑦", "variable")], text_before_cursor=before, cursor=cursor)
    assert result["from"] == cursor - 2


def test_valid_for_accepts_narrowing_and_rejects_deleting_into_the_prefix():
    result = to_completion_result([Suggestion("path", "module")], text_before_cursor="os.pa", cursor=5)
    valid_for = js_regex(result["validFor"])
    assert result["validFor"]["flags"] == "iu"
    assert valid_for.match("pa") and valid_for.match("pat") and valid_for.match("PAth")
    assert not valid_for.match("p")  # the list was filtered by "pa": ask again
    assert not valid_for.match("pa.")


def test_valid_for_after_a_dot_accepts_any_word():
    result = to_completion_result([Suggestion("path", "module")], text_before_cursor="os.", cursor=3)
    assert js_regex(result["validFor"]).match("anything")


def test_detail_documentation_and_insert_text_map_to_codemirror_fields():
    suggestion = Suggestion("join", "function", documentation="Join paths.", insert_text="join(", detail="join(a, *p)")
    (option,) = to_completion_result([suggestion], text_before_cursor="jo", cursor=2)["options"]
    assert option == {"label": "join", "type": "function", "detail": "join(a, *p)", "info": "Join paths.", "apply": "join("}


def test_unknown_kind_has_no_icon_and_is_shown_as_text():
    (option,) = to_completion_result([Suggestion("x", "<b>odd</b>")], text_before_cursor="x", cursor=1)["options"]
    assert "type" not in option
    assert option["detail"] == "<b>odd</b>"  # CodeMirror sets detail as textContent


def test_no_suggestions_means_no_popup():
    assert to_completion_result([], text_before_cursor="zz", cursor=2) is None


def test_private_names_wait_until_an_underscore_is_typed():
    suggestions = [Suggestion(text=t, kind="variable") for t in ("value", "_cache", "__class__")]
    after_dot = to_completion_result(suggestions, text_before_cursor="obj.", cursor=4)
    assert [o["label"] for o in after_dot["options"]] == ["value"]
    valid_for = js_regex(after_dot["validFor"])
    assert valid_for.match("va") and not valid_for.match("_")  # `_` asks again
    after_underscore = to_completion_result(suggestions[1:], text_before_cursor="obj._", cursor=5)
    assert [o["label"] for o in after_underscore["options"]] == ["_cache", "__class__"]


def test_an_answer_of_private_names_only_shows_no_popup_until_an_underscore():
    suggestions = [Suggestion(text="__init__", kind="function")]
    assert to_completion_result(suggestions, text_before_cursor="obj.", cursor=4) is None


def test_a_key_is_applied_with_what_closes_it_and_narrows_by_what_is_typed_of_it():
    keys = [Suggestion(text=t, kind="key") for t in ("alpha", "beta gamma")]
    open_bracket = to_completion_result(keys, text_before_cursor='d["', cursor=3, text_after_cursor="")
    assert open_bracket["from"] == 3
    assert [o.get("apply") for o in open_bracket["options"]] == ['alpha"]', 'beta gamma"]']
    closed_by_the_editor = to_completion_result(keys, text_before_cursor='d["al', cursor=5, text_after_cursor='"]')
    assert closed_by_the_editor["from"] == 3
    assert all("apply" not in o for o in closed_by_the_editor["options"])


def test_signature_help_marks_the_active_parameter_in_utf16_units():
    signatures = [Suggestion(text="área(wide, héight=2, *rest)", kind="signature", detail="héight", documentation="Doc.")]
    help = to_signature_help(signatures)["signatures"][0]
    label = help["label"]
    assert label.encode("utf-16-le")[2 * help["activeFrom"]: 2 * help["activeTo"]].decode("utf-16-le") == "héight"
    assert help["documentation"] == "Doc."
    starred = to_signature_help([Suggestion(text="f(*values, sep=' ')", kind="signature", detail="values")])
    assert starred["signatures"][0]["activeFrom"] == 3
    unknown = to_signature_help([Suggestion(text="f(a)", kind="signature", detail=None)])
    assert (unknown["signatures"][0]["activeFrom"], unknown["signatures"][0]["activeTo"]) == (-1, -1)
    assert to_signature_help([Suggestion(text="path", kind="module")]) is None


def test_overloads_sharing_a_docstring_show_it_once():
    overloads = [Suggestion(text=f"join(a: {t}, *paths: {t})", kind="signature", detail="paths", documentation="Join.")
                 for t in ("StrPath", "BytesPath")]
    assert [s["documentation"] for s in to_signature_help(overloads)["signatures"]] == ["Join.", ""]
