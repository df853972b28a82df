"""bench/figures.py: a benchmark's JSON result -> its rows in docs/figures.md, the one table of figures (issue 19)."""

import importlib.util
import json
import os
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("_livecomplete_bench_figures", ROOT / "bench" / "figures.py")
figures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(figures)


def spread(n, median, p95, maximum):
    return {"n": n, "median": median, "p95": p95, "max": maximum}


# Shaped as each bench script writes its JSON (the real files in bench-results/ where there are any).
LATENCY = {"report": {
    "runs": 3, "points_per_run": 38, "all_points_ms": spread(114, 35.2, 240.0, 410.5),
    "computed_ms": spread(40, 120.4, 300.2, 410.5), "reused_ms": spread(30, 20.1, 41.0, 60.0),
    "refiltered_ms": None, "cold_first_completion_ms": spread(3, 4120.0, 4500.0, 4500.0),
    "warm_first_completion_ms": spread(3, 1380.0, 1500.0, 1500.0),
    "warm_typing_at_once_ms": spread(3, 1420.0, 1600.0, 1600.0),
    "first_completion_seen_by_wait_ms": {}, "started_from_snapshots": True, "warm_at_once_marks_ms": {},
    "jedi_ms": None, "kernel_call_ms": None, "store_overhead_ms": None, "store_bytes_per_event": 310,
    "js_heap_mb": 21.4, "kernel_wasm_mb": 88.0, "missed": 0, "options": {}, "profiles": "on disk",
}, "runs": []}
START = {"medians": {
    "marks_ms": {"python-started": 1120, "store-opened": 2163, "kernel-launched": 2486, "first key": 1227,
                 "popup shown": 2385, "kernel-ready": 3539},
    "busy_ms": {"main thread": 1228, "LiveStore shared worker": 717, "LiveStore leader worker": 470,
                "kernel worker": 0, "V8 background": 2152},
    "cpu_ms": {"main thread": 710, "LiveStore shared worker": 332, "LiveStore leader worker": 279,
               "kernel worker": 0, "V8 background": 1215},
    "wasm_top_tier_cpu_ms": 700,
}, "visits": [{}] * 5}
CLEANUP = {"stores": 200, "files_per_store": 21, "round_removing_half_ms": spread(3, 410.0, 450.0, 450.0),
           "round_removing_nothing_ms": spread(3, 90.0, 95.5, 95.5), "bytes_freed_per_round": 8601600}
MEMORY = {"jsHeapBytes": 20 * 2**20, "pyProxiesAlive": 0, "pythonObjects": 51234, "pythonObjectTypes": []}
LOAD = {"burst": 5000, "from": "same tab", "memory_before": MEMORY, "rounds": [
    {"all_answered_s": 12.5, "all_saved_s": 13.0, "computed_by_jedi": 2, "answered_superseded": 4998,
     "memory_after": {**MEMORY, "jsHeapBytes": 31 * 2**20, "pythonObjects": 51900, "pyProxiesAlive": 3},
     "storage_notice": None},
    {"all_answered_s": 11.0, "all_saved_s": 11.6, "computed_by_jedi": 2, "answered_superseded": 4998,
     "memory_after": {**MEMORY, "jsHeapBytes": 33 * 2**20, "pythonObjects": 52000, "pyProxiesAlive": 3},
     "storage_notice": None},
]}
SYNC_LAYERS = {"up": [90.0], "held": [70.0], "down": [50.0]}
SYNC = {"points": 10, "stores": {
    "opfs": {"rounds": [
        {"notebook": "bench-sync-1", "computations": 10, "answers": 20, "computed": [210.0], "reused": [180.0],
         "layers": SYNC_LAYERS},
        {"notebook": "bench-sync-2", "computations": 11, "answers": 20, "computed": [230.0], "reused": [170.0],
         "layers": SYNC_LAYERS},
    ], "summary": {"computed": spread(21, 215.3, 320.1, 400.0), "reused": spread(19, 175.0, 190.2, 201.0),
                   "layers": {"up": spread(21, 92.4, 120.0, 130.0), "held": spread(21, 70.0, 80.0, 90.0),
                              "down": spread(21, 51.0, 60.0, 70.0)}}},
    "memory": {"rounds": [
        {"notebook": "bench-sync-3", "computations": 10, "answers": 20, "computed": [110.0], "reused": [90.0],
         "layers": SYNC_LAYERS},
    ], "summary": {"computed": spread(10, 110.0, 150.0, 160.0), "reused": spread(10, 90.0, 95.0, 99.0),
                   "layers": {"up": None, "held": None, "down": None}}},
}}
SIGNATURE = {"computedMs": spread(15, 42.1, 84.5, 216.6), "reusedMs": spread(15, 15.3, 20.8, 21.3), "rounds": 15}
NOTEBOOK = {"open50": {"afterStoreMs": spread(5, 202.2, 223.4, 223.4),
                       "afterNavigationMs": spread(5, 1712.9, 1856.7, 1856.7)},
            "runPageKernelMs": spread(20, 43.3, 52.7, 60.6),
            "mainStoreEvents": {"keys": 219, "events": 15, "per100Keys": 6.8},
            "runRemoteKernelMs": spread(20, 502.3, 665.1, 702.5)}
MODULES = {"firstModuleMs": spread(4, 246.5, 384.2, 384.2), "laterModulesMs": spread(28, 85.6, 196.4, 211.2),
           "byModule": {"statistics": [308, 123, 188, 192]}, "visits": 4}
TYPISTS = {"seconds": 60, "rounds": [
    {"notebook": "bench-typists-eb953015", "keys": 458, "requests": 102, "answered by the remote kernel": 102,
     "answered by a page's own kernel": 0, "unanswered": 0, "longest kernel silence (s)": 1.9,
     "kernel store restarts": 1, "page store restarts": 5},
    {"notebook": "bench-typists-7e1d8d97", "keys": 444, "requests": 128, "answered by the remote kernel": 120,
     "answered by a page's own kernel": 8, "unanswered": 0, "longest kernel silence (s)": 2.9,
     "kernel store restarts": 22, "page store restarts": 5},
]}

TYPING = {"rounds": [
    {"keys": 235, "intact": True, "requests": 63, "answered": 63,
     "byOperation": {"complete": 34, "describe": 17, "signature": 12}, "requestsPer100Keys": 26.8,
     "payloadBytes": {"n": 63, "median": 1388, "p95": 7748, "max": 18007}, "opfsBytesGrown": 598016,
     "opfsBytesPerAnswered": 9492, "opfsBytesPerHourOfTyping": 59103846},
    {"keys": 235, "intact": False, "requests": 20, "answered": 20, "byOperation": {"complete": 12, "signature": 8},
     "requestsPer100Keys": 8.5, "payloadBytes": {"n": 20, "median": 900.5, "p95": 2000, "max": 3000},
     "opfsBytesGrown": 20480, "opfsBytesPerAnswered": 1024, "opfsBytesPerHourOfTyping": 2097152},
]}

# benchmark -> (its JSON, the file name its script writes, (figure starts with, value) rows expected)
CASES = {
    "latency": (LATENCY, "popup-latency-20261126-101500.json", [
        ("keystroke → right option in the popup, all points", "median 35 ms, p95 240 ms, n=114, 0 missed"),
        ("… computed by the kernel", "median 120 ms, p95 300 ms, n=40"),
        ("… reused", "median 20 ms, p95 41 ms, n=30"),
        ("… refiltered", "none measured"),
        ("page open → first completion", "cold 4.12 s, warm 1.38 s, warm typing at once 1.42 s"),
        ("memory after the session", "JS heap 21.4 MB, kernel WebAssembly 88.0 MB; 310 store bytes per event"),
    ]),
    "start": (START, "start-trace-20261130-190421.json", [
        ("revisit typing at once: popup shown after navigation (median of 5 visits)", "2.38 s"),
        ("start marks after navigation", "python-started 1.12 s, first key 1.23 s, store-opened 2.16 s, "
                                         "kernel-launched 2.49 s, kernel-ready 3.54 s"),
        ("busy until the popup, wall / CPU: main thread", "1.23 / 0.71 s"),
        ("… LiveStore shared worker, leader worker, kernel worker", "0.72 / 0.33 s, 0.47 / 0.28 s, 0.00 / 0.00 s"),
        ("… V8 background threads", "2.15 / 1.22 s; 0.70 s"),
    ]),
    "cleanup": (CLEANUP, "cleanup-round-20261120-080000.json", [
        ("a cleanup round removing 100 stale of 200 stores", "median 410 ms, p95 450 ms, n=3"),
        ("a round with nothing to remove", "median 90 ms, p95 96 ms, n=3"),
        ("bytes reclaimed per round", "8,601,600 (8.2 MB)"),
    ]),
    "load": (LOAD, "load-burst-20261120-080000.json", [
        ("a burst of 5,000 requests from the same tab, two tabs typing: all answered", "12.5 s, 11.0 s"),
        ("… all saved", "13.0 s, 11.6 s"),
        ("… computed by Jedi / answered as superseded", "2 / 4998, 2 / 4998"),
        ("tab A JS heap", "20.0 MB → 33.0 MB"),
        ("Python objects", "51,234 → 52,000; 3"),
    ]),
    "sync": (SYNC, "sync-20261120-080000.json", [
        ("request → answer through the sync backend, computed by the remote kernel (Jedi); pages' completion "
         "store in OPFS", "median 215 ms, p95 320 ms, n=21"),
        ("… reused from the kernel's shared cache", "median 175 ms, p95 190 ms, n=19"),
        ("… by layer, medians", "92 ms / 70 ms / 51 ms"),
        ("… kernel computations / answers over 2 rounds of 10 points", "21 / 40"),
        ("request → answer through the sync backend, computed by the remote kernel (Jedi); pages' completion "
         "store in memory", "median 110 ms, p95 150 ms, n=10"),
        ("… reused from the kernel's shared cache", "median 90 ms, p95 95 ms, n=10"),
        ("… by layer, medians", "– / – / –"),
        ("… kernel computations / answers over 1 rounds of 10 points", "10 / 20"),
    ]),
    "signature": (SIGNATURE, "signature-20261130-154719.json", [
        ("`(` → signature tooltip, computed by Jedi", "median 42 ms, p95 84 ms, n=15"),
        ("`(` → signature tooltip, reused", "median 15 ms, p95 21 ms, n=15"),
    ]),
    "notebook": (NOTEBOOK, "notebook-20261130-184207.json", [
        ("50-cell notebook reopened: all cells shown after its store opened", "median 202 ms, p95 223 ms, n=5"),
        ("… all cells shown after navigation", "median 1713 ms, p95 1857 ms, n=5"),
        ("Shift+Enter on `N + 1` → output, the page's kernel", "median 43 ms, p95 53 ms, n=20"),
        ("… a remote kernel", "median 502 ms, p95 665 ms, n=20"),
        ("main-store events per 100 keys", "6.8 (15 events for 219 keys)"),
    ]),
    "modules": (MODULES, "modules-20261201-002851.json", [
        ("first completion of a module imported, not run: the first of a visit", "median 246 ms, p95 384 ms, n=4"),
        ("… the other modules", "median 86 ms, p95 196 ms, n=28"),
    ]),
    "typists": (TYPISTS, "typists-20261201-002308.json", [
        ("requests from two people typing 60 s", "102, 128"),
        ("… answered by the remote kernel / a page's own kernel / unanswered", "102 / 0 / 0, 120 / 8 / 0"),
        ("longest kernel silence", "1.9 s, 2.9 s"),
        ("store restarts, kernel / pages", "1 / 5, 22 / 5"),
    ]),
    "typing": (TYPING, "typing-cost-20261201-053258.json", [
        ("requests committed per 100 keys of ordinary typing (235 keys)", "26.8, 8.5"),
        ("… complete / describe / signature", "34 / 17 / 12, 12 / 0 / 8"),
        ("request and answer JSON per request, median", "1388 B, 900 B"),
        ("completion store's OPFS growth per answered request", "9492 B; 56.4 MB, 1024 B; 2.0 MB"),
        ("cell text exactly as typed", "no"),
    ]),
}


@pytest.fixture(autouse=True)
def utc():
    """_harness stamps file names in local time; these tests run as if that were UTC."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


def write_json(directory: Path, file_name: str, data, mtime: float | None = None) -> Path:
    path = directory / file_name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def table_rows(table: Path) -> list[list[str]]:
    return [figures._cells(line) for lines in figures.read_table(table).values() for line in lines]


def test_every_benchmark_of_build_py_has_an_extractor_in_the_same_order():
    sys.path.insert(0, str(ROOT))
    try:
        import build
    finally:
        sys.path.remove(str(ROOT))
    assert list(figures.BENCHMARKS) == list(build.BENCHMARKS) == list(CASES)


@pytest.mark.parametrize("name", CASES)
def test_extractor_gives_the_headline_rows_of_its_scripts_json(tmp_path, name):
    data, file_name, expected = CASES[name]
    rows = figures.extract(name, write_json(tmp_path, file_name, data))
    assert len(rows) == len(expected)
    for (figure, value), (figure_start, expected_value) in zip(rows, expected):
        assert figure.startswith(figure_start)
        assert value == expected_value


@pytest.mark.parametrize("name", CASES)
def test_result_file_is_found_by_the_stem_its_script_writes(tmp_path, name):
    data, file_name, _ = CASES[name]
    for other, (other_data, other_file, _) in CASES.items():
        if other != name:
            write_json(tmp_path, other_file, other_data, mtime=2_000_000_000)  # newer, another benchmark's
    path = write_json(tmp_path, file_name, data, mtime=1_000_000_000)
    assert figures.newest_result(name, tmp_path) == path


def test_notebook_without_a_remote_kernel_leaves_that_row_out(tmp_path):
    data = {k: v for k, v in NOTEBOOK.items() if k != "runRemoteKernelMs"}
    rows = figures.extract("notebook", write_json(tmp_path, "notebook-20261130-180318.json", data))
    assert len(rows) == 4
    assert not any("remote" in figure for figure, _ in rows)


def test_latency_names_a_lever_turned_off():
    report = {**LATENCY["report"], "options": {"reuseAnswers": 0}, "profiles": "incognito"}
    figure, _ = figures.BENCHMARKS["latency"][1]({"report": report})[0]
    assert figure.endswith('(options {"reuseAnswers": 0}, incognito profiles)')


@pytest.mark.parametrize(("content", "why"), [
    ("{not json", "not valid JSON"),
    ("", "empty"),
    (json.dumps([1, 2]), "a JSON list, not an object"),
    (json.dumps({"firstModuleMs": MODULES["firstModuleMs"]}), "no 'laterModulesMs' in it"),
    (json.dumps({"firstModuleMs": None, "laterModulesMs": None}), "none measured"),
    (json.dumps({"firstModuleMs": {"n": 4}, "laterModulesMs": None}), "no 'median' in it"),
    (json.dumps({"firstModuleMs": "fast", "laterModulesMs": None}), "TypeError"),
])
def test_an_unreadable_result_gives_one_row_saying_why(tmp_path, content, why):
    path = write_json(tmp_path, "modules-20261201-002851.json", content)
    rows = figures.extract("modules", path)
    if why == "none measured":  # well-formed, nothing measured: not an error
        assert rows[0][1] == "none measured"
        return
    assert rows == [("result file unreadable", rows[0][1])]
    assert rows[0][1].startswith("modules-20261201-002851.json: ")
    if why in ("not valid JSON", "empty"):
        assert "Expecting" in rows[0][1]
    else:
        assert why in rows[0][1]


def test_updating_one_benchmark_keeps_every_other_benchmarks_rows_exactly(tmp_path):
    table = tmp_path / "figures.md"
    figures.update_table(table, "typists", [("requests", "102")], "2026-12-01 00:23:08",
                         "python3 build.py bench typists")
    figures.update_table(table, "modules", [("first", "median 246 ms"), ("others", "median 86 ms")],
                         "2026-12-01 00:28:51", "python3 build.py bench modules --visits 4")
    kept = {n: lines for n, lines in figures.read_table(table).items() if n != "modules"}
    figures.update_table(table, "modules", [("first", "median 300 ms")], "2026-12-02 10:00:00",
                         "python3 build.py bench modules --visits 8")
    now = figures.read_table(table)
    assert {n: lines for n, lines in now.items() if n != "modules"} == kept
    assert now["modules"] == ["| modules | first | median 300 ms | 2026-12-02 10:00:00 | "
                              "`python3 build.py bench modules --visits 8` |"]
    # Ordered as build.py's BENCHMARKS (modules before typists), whatever was written first.
    assert [row[0] for row in table_rows(table)] == ["modules", "typists"]
    text = table.read_text()
    assert text.startswith("# Benchmark figures\n") and "do not edit this file by hand" in text
    assert text.count("| benchmark | figure | value | run (UTC) | command |") == 1


def test_a_pipe_in_a_value_or_command_stays_in_its_cell(tmp_path):
    table = tmp_path / "figures.md"
    figures.update_table(table, "latency", [("a | b", "1 | 2")], "2026-12-01 00:00:00",
                         "python3 build.py bench latency --label 'a|b'")
    figures.update_table(table, "modules", [("first", "1 ms")], "2026-12-01 00:00:00", "python3 build.py bench modules")
    rows = table_rows(table)
    assert [len(row) for row in rows] == [5, 5]
    assert rows[0][1:3] == [r"a \| b", r"1 \| 2"]


def test_record_writes_the_new_result_with_the_command_it_ran(tmp_path):
    results, table = tmp_path / "bench-results", tmp_path / "docs" / "figures.md"
    results.mkdir()
    started = time.time()
    write_json(results, "modules-20261130-120000.json", {}, mtime=started - 3600)  # an earlier run
    write_json(results, "modules-20261201-002851.json", MODULES, mtime=started + 60)
    rows = figures.record("modules", ["--visits", "4"], results, table, since=started)
    assert rows == figures.extract("modules", results / "modules-20261201-002851.json")
    assert table_rows(table)[0] == ["modules", rows[0][0], rows[0][1], "2026-12-01 00:28:51",
                                    "`python3 build.py bench modules --visits 4`"]


def test_record_without_a_new_result_returns_none_and_leaves_the_table_alone(tmp_path):
    results, table = tmp_path / "bench-results", tmp_path / "figures.md"
    results.mkdir()
    figures.update_table(table, "modules", [("first", "median 246 ms")], "2026-12-01 00:28:51",
                         "python3 build.py bench modules")
    before = table.read_bytes()
    started = time.time()
    write_json(results, "modules-20261201-002851.json", MODULES, mtime=started - 60)  # from before the run
    write_json(results, "signature-20261201-002900.json", SIGNATURE, mtime=started + 60)  # another benchmark's
    assert figures.record("modules", [], results, table, since=started) is None
    assert figures.record("modules", [], tmp_path / "missing", table, since=started) is None
    assert table.read_bytes() == before
    assert figures.record("modules", [], results, tmp_path / "none.md", since=started) is None
    assert not (tmp_path / "none.md").exists()


def test_seeding_fills_benchmarks_with_results_and_keeps_rows_already_from_that_run(tmp_path):
    results, table = tmp_path / "bench-results", tmp_path / "figures.md"
    results.mkdir()
    write_json(results, "modules-20261201-002851.json", MODULES)
    write_json(results, "signature-20261130-154719.json", SIGNATURE)
    figures.update_table(table, "modules", [("first", "kept")], "2026-12-01 00:28:51",
                         "python3 build.py bench modules --visits 4")
    figures.update_table(table, "cleanup", [("round", "kept")], "2026-11-20 08:00:00", "python3 build.py bench cleanup")
    seeded = figures.seed(results, table)
    assert list(seeded) == ["signature"]
    rows = table_rows(table)
    assert [row[0] for row in rows] == ["cleanup", "signature", "signature", "modules"]
    assert rows[1][3:] == ["2026-11-30 15:47:19", "`python3 build.py bench signature`"]
    assert rows[3][2:] == ["kept", "2026-12-01 00:28:51", "`python3 build.py bench modules --visits 4`"]
