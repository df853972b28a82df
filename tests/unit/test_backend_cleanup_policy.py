"""The sync backend's cleanup policy (web/sync/cleanup.js), a pure function, run under Node."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
import build  # noqa: E402

from livecomplete.limits import BACKEND_CLEANUP  # noqa: E402
from livecomplete.options import Options  # noqa: E402

DAY = 24 * 3600 * 1000
NOW = 1_800_000_000_000
SETTINGS = {"retentionMs": 7 * DAY, "maxBytes": 1000, "quietMs": 16_000, "checkMs": 600_000}

RUN = """
import { cleanupSettings, decideCleanup, mayEmpty } from './web/sync/cleanup.js'
const [calls] = JSON.parse(process.argv[1])
const results = calls.map(([fn, args]) => {
  try {
    if (fn === 'decide') return decideCleanup(...args)
    if (fn === 'settings') return cleanupSettings(...args)
    if (fn === 'mayEmpty') return mayEmpty(...args)
  } catch (error) {
    return { error: error.message }
  }
})
console.log(JSON.stringify(results))
"""


def run(*calls):
    build.write_facts()
    node = subprocess.run(["node", "--input-type=module", "-e", RUN, json.dumps([list(calls)])],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert node.returncode == 0, node.stderr
    return json.loads(node.stdout)


def decide(history, now=NOW, settings=SETTINGS):
    return ("decide", [history, now, settings])


def test_an_empty_store_waits_for_a_client_and_a_store_within_retention_is_looked_at_again():
    empty, recent, nearly = run(
        decide(None), decide({"events": 10, "bytes": 500, "lastAskedAt": NOW - 1000}),
        decide({"events": 10, "bytes": 500, "lastAskedAt": NOW - 7 * DAY + 5000}))
    assert empty == {}
    assert recent == {"checkAt": NOW + 600_000}
    # The retention runs out before the next periodic look: looked at then.
    assert nearly == {"checkAt": NOW + 5000}


def test_a_store_nobody_asked_anything_of_past_the_retention_is_emptied():
    [emptied] = run(decide({"events": 10, "bytes": 500, "lastAskedAt": NOW - 8 * DAY}))
    assert emptied == {"empty": "nothing asked for 8.0 days, past the retention of 7.0 days"}


def test_a_store_over_the_cap_is_emptied_only_once_quiet():
    asked_now, asked_before_quiet, quiet = run(
        decide({"events": 10, "bytes": 5000, "lastAskedAt": NOW}),
        decide({"events": 10, "bytes": 5000, "lastAskedAt": NOW - 15_999}),
        decide({"events": 10, "bytes": 5000, "lastAskedAt": NOW - 16_000}))
    assert asked_now == {"checkAt": NOW + 16_000}
    assert asked_before_quiet == {"checkAt": NOW + 1}
    assert quiet == {"empty": "4.9 KB stored, past the cap of 1.0 KB"}


def test_quiet_outlasts_the_time_a_page_waits_for_an_answer():
    # Emptied "once quiet" must mean no page still waits for an answer from the old history.
    assert BACKEND_CLEANUP["quietMs"] >= 2 * Options().response_timeout_ms


def test_only_completion_stores_may_be_emptied():
    assert run(("mayEmpty", ["nb-1-completions"]), ("mayEmpty", ["nb-1"]), ("mayEmpty", [None])) == [True, False, False]


def test_settings_come_from_the_workers_variables_with_defaults_from_limits_and_bad_ones_are_named():
    default, chosen, bad = run(
        ("settings", [{}]),
        ("settings", [{"LIVECOMPLETE_RETENTION_DAYS": "0.5", "LIVECOMPLETE_MAX_STORE_MB": "2"}]),
        ("settings", [{"LIVECOMPLETE_MAX_STORE_MB": "-1"}]))
    assert default == {"retentionMs": BACKEND_CLEANUP["retentionDays"] * DAY, "maxBytes": BACKEND_CLEANUP["maxStoreMb"] * 1024 * 1024,
                       "quietMs": BACKEND_CLEANUP["quietMs"], "checkMs": BACKEND_CLEANUP["checkSeconds"] * 1000}
    assert (chosen["retentionMs"], chosen["maxBytes"]) == (DAY / 2, 2 * 1024 * 1024)
    assert bad == {"error": 'LIVECOMPLETE_MAX_STORE_MB must be a positive number, got "-1"'}


@pytest.mark.parametrize("flag", ["--retention-days", "--max-store-mb"])
def test_build_py_sync_refuses_a_setting_that_is_not_positive(flag, capsys):
    assert build.main(["sync", flag, "0"]) == 2
    assert f"{flag} must be a positive number, got 0.0" in capsys.readouterr().err
