"""The one rule for the word being typed: names, attributes and keys; where typing asks."""

import re

import pytest

from livecomplete.words import Word, asks, typed_word


@pytest.mark.parametrize(
    ("before", "word"),
    [
        ("os.pa", Word("pa")),
        ("os.", Word("")),
        ('d["', Word("", "key", '"')),
        ("d['al", Word("al", "key", "'")),
        ('df[ "two wo', Word("two wo", "key", '"')),
        ('print("hello', Word("hello")),  # a string, not a key: only the word inside counts
        ('d["a"] + x', Word("x")),
    ],
)
def test_the_word_before_the_cursor(before, word):
    assert typed_word(before) == word


@pytest.mark.parametrize(
    ("before", "expected"),
    [('d["', True), ("d['x y", True), ('d["a"]', False), ('x = "', False), ("os.", True), ("os..", False)],
)
def test_typing_asks_inside_a_key_and_a_name_but_not_a_plain_string(before, expected):
    assert asks(before, explicit=False) is expected


def test_a_word_starts_at_a_names_first_letter_and_right_after_a_keys_quote():
    assert typed_word("os.p").starts_here() and not typed_word("os.pa").starts_here()
    assert typed_word('d["').starts_here() and not typed_word('d["a').starts_here()


def test_a_keys_answer_stays_valid_until_its_closing_quote():
    valid_for = typed_word('d["').valid_for(hide_private=False)
    pattern = re.compile(valid_for["source"])
    assert pattern.match("two wo") and not pattern.match('two"') and not pattern.match("a\\b")


@pytest.mark.parametrize(
    ("after", "closing"),
    [('"]', ""), ("", '"]'), ("]", '"'), (' "] + 1', ""), ("\n", '"]')],
)
def test_accepting_a_key_closes_its_quote_and_bracket_unless_they_follow(after, closing):
    assert typed_word('d["al').closing(after) == closing


@pytest.mark.parametrize(
    ("asked", "typed", "serves"),
    [
        (Word(""), Word("pa"), True),
        (Word("p"), Word("PA"), True),  # Jedi matches ignoring case
        (Word("pa"), Word("p"), False),  # deleted into the word
        (Word(""), Word("_pri"), False),  # asked with nothing typed: the `_` names were left out
        (Word("_"), Word("_pri"), True),
        (Word("", "key", '"'), Word("_id", "key", '"'), True),  # keys hide nothing
        (Word(""), Word("", "key", '"'), False),
    ],
)
def test_which_answers_serve_a_longer_word(asked, typed, serves):
    assert asked.serves(typed) is serves
    assert Word("").hides_private and not Word("a").hides_private and not Word("", "key", "'").hides_private
