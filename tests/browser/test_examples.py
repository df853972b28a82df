"""The example hosts: one editor and no notebook, using only the installable pieces in dist/lib/
and the public API; one of them a PyScript page whose own Python runs livecomplete's page side."""

import re
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

LOOPBACK = {"127.0.0.1", "localhost"}


@pytest.mark.parametrize("host", ["plain", "pyscript"])
def test_an_example_host_completes_and_shows_signatures_from_loopback_only(page, base_url, host):
    errors, outside, fetched = [], [], []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("request", lambda request: fetched.append(urlparse(request.url).path))
    # Nothing may leave loopback: PyScript knows CDN addresses, which its config must make unused.
    page.route(lambda url: urlparse(url).hostname not in LOOPBACK and not url.startswith("data:"),
               lambda route: (outside.append(route.request.url), route.abort()))
    page.goto(f"{base_url}/examples/{host}.html")
    expect(page.locator("#status")).to_have_attribute("data-state", "ready", timeout=90_000)
    page.locator(".cm-content").click()
    page.keyboard.press("Control+End")
    page.keyboard.type("os.pa", delay=120)
    option = page.locator(".cm-tooltip-autocomplete .cm-completionLabel", has_text=re.compile("^path$"))
    expect(option).to_be_visible(timeout=20_000)
    page.keyboard.type("th.join(", delay=120)
    expect(page.locator(".lc-signature-help")).to_contain_text("join(")
    assert page.locator(".cm-content").inner_text() == "import os\nos.path.join()"
    assert errors == []
    assert outside == []
    # Everything came from the installable folder, not from the notebook page's files.
    assert "/lib/livecomplete.js" in fetched
    assert not [path for path in fetched if path.startswith(("/assets/", "/pyodide/", "/wheels/"))]
    # The PyScript page's Python runs livecomplete's page side: no second Python starts for it.
    assert ("/lib/snapshots/page.bin" in fetched) == (host == "plain")
