"""Which answer serves which word: the pure rules behind one request per word."""

import asyncio

from livecomplete.events import CompletionResponse, Suggestion
from livecomplete.word_answers import WordAnswer, narrowed, word_spot


def test_a_spot_is_the_cell_around_the_word_and_the_word_so_far():
    spot = word_spot("c", "import os\nos.pa + 1", len("import os\nos.pa"))
    assert (spot.before_word, spot.prefix, spot.after_cursor) == ("import os\nos.", "pa", " + 1")
    assert word_spot("c", "os.", 3).prefix == ""


def test_narrowing_keeps_what_starts_with_the_word_ignoring_case_in_order():
    options = [Suggestion("path", "module"), Suggestion("PathLike", "class"), Suggestion("spawn", "function")]
    assert [s.text for s in narrowed(options, "pa")] == ["path", "PathLike"]
    assert narrowed(options, "") == options


async def answer(suggestions, max_suggestions=500):
    future = asyncio.get_running_loop().create_future()
    future.set_result(CompletionResponse("id", tuple(Suggestion(t, "variable") for t in suggestions), "success", 1.0))
    return WordAnswer(word_spot("c", "os.p", 4), future, max_suggestions)


async def test_an_answer_serves_its_word_and_longer_ones_at_the_same_place():
    word = await answer(["path"])
    assert word.serves(word_spot("c", "os.p", 4))
    assert word.serves(word_spot("c", "os.PA", 5))
    assert not word.serves(word_spot("c", "os.", 3))  # shorter: the answer was filtered by "p"
    assert not word.serves(word_spot("c", "os.x", 4))
    assert not word.serves(word_spot("other", "os.pa", 5))
    assert not word.serves(word_spot("c", "x\nos.pa", 7))


async def test_a_full_answer_serves_only_its_own_word():
    word = await answer(["pa0", "pa1"], max_suggestions=2)
    assert word.serves(word_spot("c", "os.p", 4))
    assert not word.serves(word_spot("c", "os.pa", 5))


async def test_an_answer_on_its_way_serves_longer_words():
    word = WordAnswer(word_spot("c", "os.", 3), asyncio.get_running_loop().create_future(), 500)
    assert word.serves(word_spot("c", "os.pa", 5))
    word.answer.cancel()
