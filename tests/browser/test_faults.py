"""Faults fed for real: a hung Jedi call, a cell that runs long, hostile answers, no OPFS."""

from playwright.sync_api import expect

HANG_CELL = """class Hang:
    def __dir__(self):
        while True:
            pass
stuck = Hang()"""


def test_a_hung_completion_is_noticed_answered_timeout_and_restart_brings_completions_back(open_notebook):
    notebook = open_notebook(options={"kernelTimeoutMs": 1500})
    notebook.set_cell(0, HANG_CELL)
    notebook.run_cell(0)
    notebook.set_cell(1, "")
    notebook.type(1, "stuck.")  # Jedi calls dir(stuck): the kernel never returns

    status = notebook.page.locator("#kernel-status")
    expect(status).to_have_attribute("data-state", "error", timeout=10_000)
    expect(status).to_contain_text("not responding")
    requests = notebook.stored_events()
    hung = next(r for r in requests["responses"] if r["id"] == requests["requests"][-1]["id"])
    assert hung["status"] == "timeout"

    # Typing never blocks: the page answers keys while the kernel is stuck.
    notebook.type(2, "still typing", delay_ms=20)
    assert notebook.cell_text(2) == "still typing"

    notebook.page.locator("#restart-kernel").click()
    expect(status).to_have_attribute("data-state", "ready", timeout=60_000)
    expect(notebook.page.locator("#restart-kernel")).to_be_hidden()
    expect(notebook.cell(0).locator(".prompt")).to_have_text("[ ]:")  # its namespace is gone
    notebook.set_cell(1, "import os\n")
    notebook.type(1, "os.pa")
    notebook.wait_for_option("path")


def test_while_a_cell_runs_completions_come_at_once_from_the_cell_and_say_so(open_notebook):
    notebook = open_notebook()
    notebook.set_cell(0, "import time\ntime.sleep(8)")
    notebook.editor(0).click()
    notebook.page.keyboard.press("Shift+Enter")
    expect(notebook.page.locator("#kernel-status")).to_have_attribute("data-state", "busy")
    expect(notebook.page.locator("#restart-kernel")).to_be_visible()

    notebook.set_cell(1, "total_count = 3\n")
    notebook.type(1, "tot")
    option = notebook.wait_for_option("total_count", timeout_ms=5_000)
    expect(option.locator(".cm-completionDetail")).to_have_text("name in this cell (kernel busy running a cell)")
    assert notebook.page.locator("#kernel-status").get_attribute("data-state") == "busy"  # answered before the cell ended
    response = notebook.stored_events()["responses"][-1]
    assert response["status"] == "timeout"


HOSTILE_ANSWERER = """victim => {
  const { store, schema } = window.livecomplete
  const { events, queries } = schema
  const huge = Array.from({ length: 100000 }, (_, i) => ({ text: `name${i}`, kind: 'variable' }))
  window.hostileAnswers = 0
  store.subscribe(queries.openRequestsFor(victim), (requests) => {
    for (const request of requests) {
      // Only the request that hangs the victim's kernel: one heavy answer, and a certain race.
      if (!request.source.endsWith('stuck.')) continue
      window.hostileAnswers += 1
      store.commit(events.completionReceived({
        completionId: request.id,
        status: 'success',
        timestamp: Date.now(),
        suggestions: [
          { text: '<img src=x onerror="window.pwned=1">', kind: '<b>kind</b>',
            detail: '<script>window.pwned=2</script>',
            documentation: '<img src=x onerror="window.pwned=3">' + 'x'.repeat(1024 * 1024) },
          ...huge,
        ],
      }))
    }
  })
}"""


def test_hostile_answers_from_another_client_are_cut_down_and_shown_as_text(open_notebook, notebook_id):
    """A second tab races the victim's (hung, so slow) kernel with markup, 100,000 options, 1 MB docs."""
    victim = open_notebook(notebook_id, options={"kernelTimeoutMs": 10_000})
    attacker = open_notebook(notebook_id)
    victim.set_cell(0, HANG_CELL)
    victim.run_cell(0)
    attacker.page.evaluate(HOSTILE_ANSWERER, victim.client_id())
    warnings = []
    victim.page.on("console", lambda m: m.type == "warning" and warnings.append(m.text))

    victim.set_cell(1, "")
    victim.type(1, "stuck.")
    # The attacker's answer for `stuck.` replaces whatever the popup showed for the word before.
    expect(victim.popup.locator(".cm-completionLabel").first).to_have_text(
        '<img src=x onerror="window.pwned=1">', timeout=30_000)
    assert victim.popup.locator("img, script, b").count() == 0
    info = victim.page.locator(".cm-completionInfo")
    expect(info).to_be_visible()
    assert info.locator("*").count() == 0
    assert len(info.inner_text()) <= 2_000
    assert victim.page.evaluate("window.pwned") is None
    assert any("keeping the first 500 of 100001 suggestions" in w for w in warnings), warnings
    assert attacker.page.evaluate("window.hostileAnswers") >= 1


def test_without_opfs_completions_run_on_an_in_memory_store_and_the_page_says_so(context, base_url, notebook_id):
    from notebook_page import NotebookPage

    context.add_init_script("""
      StorageManager.prototype.getDirectory = () =>
        Promise.reject(new DOMException('storage access denied', 'SecurityError'))
    """)
    notebook = NotebookPage(context.new_page(), base_url)
    notebook.open(notebook_id)
    expect(notebook.page.locator("#storage-problem")).to_contain_text(
        "Completions are kept in memory for this page only: the browser refused OPFS storage (SecurityError")
    assert notebook.page.locator(".banner").count() == 1  # said once
    notebook.set_cell(1, "import os\n")
    notebook.type(1, "os.pa")
    notebook.wait_for_option("path")
    assert notebook.page.evaluate("window.livecomplete.persisted") is False
    report = notebook.cleanup_now()
    assert (report["ran"], report["note"]) == (False, "OPFS is not available: nothing stored to clean")
    notebook.assert_no_errors()


def test_a_kernel_that_cannot_start_is_named_and_completions_stay_local(context, base_url, notebook_id):
    from notebook_page import NotebookPage

    # No Jedi: neither its wheel nor the kernel's snapshot (which has it inside).
    context.route("**/wheels/jedi-*.whl", lambda route: route.abort())
    context.route("**/snapshots/kernel.*", lambda route: route.abort())
    notebook = NotebookPage(context.new_page(), base_url)
    notebook.page.goto(f"{base_url}/?notebook={notebook_id}")
    status = notebook.page.locator("#kernel-status")
    expect(status).to_have_attribute("data-state", "error", timeout=60_000)
    expect(status).to_contain_text("could not load wheels/jedi-0.19.2-py2.py3-none-any.whl")
    expect(notebook.page.locator("#restart-kernel")).to_be_visible()
    expect(notebook.page.locator("#completion-status")).to_have_attribute("data-state", "ready", timeout=60_000)

    notebook.set_cell(1, "values = []\n")
    notebook.type(1, "val")
    option = notebook.wait_for_option("values")
    expect(option.locator(".cm-completionDetail")).to_have_text("name in this cell (kernel stopped)")


def test_extra_answers_from_another_client_are_ignored_with_one_warning_each(open_notebook, notebook_id):
    first = open_notebook(notebook_id)
    second = open_notebook(notebook_id)
    warnings = []
    first.page.on("console", lambda m: m.type == "warning" and warnings.append(m.text))
    first.set_cell(1, "import os\n")
    first.type(1, "os.pa")
    first.wait_for_option("path")
    # An answered request (the newest may be a description of the highlighted option, on its way).
    answered = next(r["id"] for r in reversed(first.stored_events()["requests"]) if r["answered"])
    second.page.wait_for_function("id => window.livecomplete.debug.storedEvents().requests.some(r => r.id === id)", arg=answered)
    second.page.evaluate("""answered => {
      const { store, schema: { events } } = window.livecomplete
      const junk = (completionId) => events.completionReceived({
        completionId, status: 'success', timestamp: Date.now(), suggestions: [{ text: 'junk', kind: 'variable' }] })
      store.commit(junk(answered), junk('ghost-request'))
    }""", answered)

    first.page.wait_for_function("() => window.livecomplete.debug.storedEvents().responses.some(r => r.id === 'ghost-request')")
    first.page.wait_for_timeout(200)
    assert sum(f"completion {answered} received 2 answers" in w for w in warnings) == 1, warnings
    assert sum("ignored an answer for completion ghost-request" in w for w in warnings) == 1, warnings
    response = next(r for r in first.stored_events()["responses"] if r["id"] == answered)
    assert "junk" not in [s["text"] for s in response["suggestions"]]  # the first answer stands


# Overwrites each file of a directory from `offset` on with junk, keeping the first bytes (the
# access-handle pool's header that names the SQLite file inside), so SQLite finds a damaged file.
DAMAGE_FILES = """async ({ directory, offset, length }) => {
  const root = await navigator.storage.getDirectory()
  const store = await root.getDirectoryHandle(directory)
  // The closed tab's LiveStore worker may hold the files a moment longer.
  const writableOf = async (handle) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await handle.createWritable({ keepExistingData: true })
      } catch (error) {
        if (error.name !== 'NoModificationAllowedError' || attempt > 100) throw error
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
  }
  let damaged = 0
  for await (const [, handle] of store.entries()) {
    if (handle.kind !== 'file' || (await handle.getFile()).size <= offset) continue
    const writable = await writableOf(handle)
    await writable.write({ type: 'write', position: offset, data: new Uint8Array(length).fill(0x5a) })
    await writable.close()
    damaged += 1
  }
  return damaged
}"""


def test_a_damaged_completion_store_is_removed_and_the_next_visit_starts_afresh(open_notebook, notebook_id, context):
    """LiveStore's leader only logs a database it cannot open, and the page opens its store
    through the leader (not LiveStore's fast path, which read it in the page): the opening stalls.
    The page gives up after OPEN_STALL_MS, removes the store, says so, completes from memory for
    this visit, and the next visit has a new store in OPFS. The notebook's own store is untouched:
    its cells are all there."""
    first = open_notebook()
    first.set_cell(1, "import os\n")
    first.type(1, "os.pa")
    first.wait_for_option("path")
    first.page.keyboard.press("Escape")
    first.set_cell(2, "kept = 'the notebook survives'")
    first.wait_until_saved()
    main_store = f"livestore-{notebook_id}@6"
    completion_store = f"livestore-{notebook_id}-completions@6"
    first.page.close()

    helper = context.new_page()
    helper.goto(first.base_url + "/missing-page-for-opfs-access")
    damaged = helper.evaluate(DAMAGE_FILES, {"directory": completion_store, "offset": 4096, "length": 12288})
    assert damaged > 0
    helper.close()

    notebook = open_notebook()
    banner = notebook.page.locator("#storage-problem")
    expect(banner).to_contain_text("did not open in 8 s")
    expect(banner).to_contain_text("it was removed, and the next visit starts a new one")
    assert notebook.page.evaluate("window.livecomplete.persisted") is False
    assert completion_store not in notebook.opfs_root()
    notebook.set_cell(1, "import os\n")
    notebook.type(1, "os.ge")
    notebook.wait_for_option("getcwd")
    assert main_store in notebook.opfs_root()
    assert notebook.cell_text(2) == "kept = 'the notebook survives'"
    notebook.errors.clear()  # LiveStore logs the damaged database as errors; expected here
    notebook.page.close()

    again = open_notebook()
    assert again.page.evaluate("window.livecomplete.persisted") is True
    expect(again.page.locator("#storage-problem")).to_have_count(0)
    again.set_cell(1, "import os\n")
    again.type(1, "os.pa")
    again.wait_for_option("path")
    assert completion_store in again.opfs_root()
    assert again.cell_text(2) == "kept = 'the notebook survives'"


def test_hostile_namespace_events_cannot_retag_answers_and_are_bounded(open_notebook, notebook_id):
    """Another client claims the answers were computed elsewhere, and sends a 1 MB namespace:
    the first name of each answer stays, the long one is clipped, and the store still answers."""
    victim = open_notebook(notebook_id)
    victim.set_cell(1, "import os\n")
    victim.type(1, "os.pa")
    victim.wait_for_option("path")
    victim.wait_until_all_answered()
    rows = """() => Object.fromEntries(window.livecomplete.store
      .query({ query: 'SELECT id, namespace FROM completionNamespaces', bindValues: [] })
      .map((r) => [r.id, r.namespace]))"""
    named = victim.page.evaluate(rows)
    # The kernel ran nothing: `fresh`, named with the welcome cell's definitions above (other_cells.named_with).
    assert named and len(set(named.values())) == 1 and next(iter(named.values())).startswith("fresh+")
    attacker = open_notebook(notebook_id)
    attacker.page.evaluate("""() => {
      const lc = window.livecomplete, { events } = lc.schema
      const ids = lc.debug.storedEvents().responses.map((r) => r.id)
      lc.store.commit(
        ...ids.map((id) => events.completionNamespace({ completionId: id, namespace: 'elsewhere:1' })),
        events.completionNamespace({ completionId: 'made-up', namespace: 'x'.repeat(1_000_000) }))
    }""")
    victim.page.wait_for_function(f"({rows})()['made-up'] !== undefined", polling=100, timeout=30_000)
    tagged = victim.page.evaluate(rows)
    assert len(tagged["made-up"]) <= 200
    assert {i: tagged[i] for i in named} == named  # the first name of each answer stays

    # A new visit still completes from the store, without asking a kernel.
    victim.page.close()
    again = open_notebook(notebook_id)
    requests = len(again.stored_events()["requests"])
    again.set_cell(1, "import os\n")
    again.type(1, "os.pa")
    again.wait_for_option("path")
    assert len(again.stored_events()["requests"]) == requests
