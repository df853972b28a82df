"""The storage panel's growth figures: events and bytes per hour over a visit."""

from livecomplete.growth import GrowthMeter, Sample


def test_no_rate_before_a_minute_then_the_rate_from_the_visits_first_sample():
    meter = GrowthMeter()
    assert meter.add(Sample(0, events=10, store_bytes=1000, notebook_bytes=500)) is None
    assert meter.add(Sample(59_999, events=20, store_bytes=2000, notebook_bytes=500)) is None
    assert meter.add(Sample(120_000, events=40, store_bytes=31_000, notebook_bytes=1500)) == {
        "spanMs": 120_000, "eventsPerHour": 900, "storeBytesPerHour": 900_000, "notebookBytesPerHour": 30_000}


def test_a_size_that_is_unknown_gives_no_rate_for_it():
    meter = GrowthMeter(min_span_ms=1)
    meter.add(Sample(0, events=None, store_bytes=1000, notebook_bytes=None))
    assert meter.add(Sample(3_600_000, events=5, store_bytes=1000, notebook_bytes=7)) == {
        "spanMs": 3_600_000, "eventsPerHour": None, "storeBytesPerHour": 0, "notebookBytesPerHour": None}
