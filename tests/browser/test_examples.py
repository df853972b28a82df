"""The example host: an app with one editor and no notebook, using only the public API."""

import re

from playwright.sync_api import expect


def test_a_plain_page_with_one_editor_completes_and_shows_signatures(page, base_url):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(f"{base_url}/examples/plain.html")
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
