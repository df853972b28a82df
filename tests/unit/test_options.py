"""Options: defaults in one place, overrides by camelCase name, clear errors."""

import pytest

from livecomplete import Options


def test_defaults_and_camel_case_overrides():
    options = Options.from_mapping({"debounceMs": 40, "response_timeout_ms": 500})
    assert options.debounce_ms == 40
    assert options.response_timeout_ms == 500
    assert options.kernel_timeout_ms == Options().kernel_timeout_ms


def test_empty_overrides_give_defaults():
    assert Options.from_mapping(None) == Options() == Options.from_mapping({})


def test_unknown_option_lists_the_valid_ones():
    with pytest.raises(ValueError, match=r"unknown livecomplete option 'debounce'.*debounceMs"):
        Options.from_mapping({"debounce": 10})


@pytest.mark.parametrize("value", [-1, "10", 1.5, True, None])
def test_option_values_must_be_non_negative_integers(value):
    with pytest.raises(ValueError, match="must be a non-negative integer"):
        Options.from_mapping({"debounceMs": value})


def test_to_mapping_round_trips():
    options = Options(debounce_ms=7)
    assert Options.from_mapping(options.to_mapping()) == options
    assert "maxSuggestions" in options.to_mapping()
