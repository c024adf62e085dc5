"""The dashboard in a real browser (Debian's headless Chromium driven by Playwright): log in,
create a key, send requests through the gateway with it, find them in the request log and in
the spend chart. Skips when Chromium or Playwright is missing.

``TURNOUT_SCREENSHOTS=DIR`` saves the pages as PNGs there (docs/img is made that way)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import openai
import pytest

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
MASTER = "sk-master-browser-test"
MODELS = [
    {"name": "fake/pricey", "provider": "fake", "local": False, "tier": 3, "input_per_mtok": 1000.0,
     "output_per_mtok": 1000.0, "extra": {"completion_tokens": 50, "prompt_tokens": 50}},
    {"name": "fake/local", "provider": "fake", "local": True, "tier": 1},
]


@pytest.fixture
def browser():
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        try:
            yield b
        finally:
            b.close()


def _shot(page, name: str, tmp_path: Path) -> None:
    target = Path(os.environ.get("TURNOUT_SCREENSHOTS") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target / f"console-{name}.png"), full_page=True)


def test_login_create_key_use_it_and_see_it(serve, tmp_path, browser):
    server = serve({"models": MODELS, "server": {"master_key": MASTER, "keys_url": f"sqlite:///{tmp_path}/k.db"}})
    ui = f"http://127.0.0.1:{server.port}/ui"
    page = browser.new_page(viewport={"width": 1280, "height": 900})

    # Not logged in: the dashboard sends us to the login page; a wrong key is refused.
    page.goto(ui + "/")
    assert page.url.endswith("/ui/login")
    page.fill("#key", "sk-wrong")
    page.click("#login")
    assert "invalid" in page.inner_text("[role=alert]").lower()
    _shot(page, "login", tmp_path)
    page.fill("#key", MASTER)
    page.click("#login")
    assert page.url.endswith("/ui/")
    cookie = next(c for c in page.context.cookies() if c["name"] == "turnout_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert MASTER not in cookie["value"]

    # Create a key with a budget; its secret is shown once.
    page.goto(ui + "/keys")
    page.fill("#key-name", "browser-bot")
    page.fill("#key-budget", "2")
    page.click("#create-key")
    secret = page.inner_text("#new-key").strip()
    assert secret.startswith("sk-turnout-")

    # Requests through the gateway with that key.
    client = openai.OpenAI(base_url=server.base_url, api_key=secret, max_retries=0)
    sent = [("fake/pricey", "first question"), ("fake/pricey", "second question"), ("fake/local", "third"),
            ("fake/pricey", "first question")]  # the last one is answered from the cache
    for model, text in sent:
        client.chat.completions.create(model=model, messages=[{"role": "user", "content": text}])

    # The keys page shows the spend against the budget.
    page.goto(ui + "/keys")
    row = page.locator("#keys-table tr", has_text="browser-bot")
    assert "$0.2" in row.inner_text() and "$2" in row.inner_text()  # 2 x $0.1 spent of $2
    _shot(page, "keys", tmp_path)

    # The request log lists them, with the key's name and the decision explained.
    page.goto(ui + "/requests")
    rows = page.locator("#log tbody tr")
    assert rows.count() == 4
    assert "browser-bot" in rows.nth(0).inner_text() and "from the cache" in rows.nth(0).inner_text()
    assert "fake/local" in rows.nth(1).inner_text() and "by rule" in rows.nth(1).inner_text()
    _shot(page, "requests", tmp_path)
    rows.nth(2).locator("a").click()
    assert "fake/pricey" in page.inner_text("main")
    _shot(page, "request", tmp_path)

    # The overview: totals and the spend chart, drawn by uPlot with both models.
    page.goto(ui + "/?range=24h")
    assert page.inner_text("#total-requests") == "4"
    page.wait_for_selector("#spend-chart[data-ready=drawn]")
    assert set(page.get_attribute("#spend-chart", "data-models").split(",")) == {"fake/pricey", "fake/local"}
    assert page.locator("#spend-chart canvas").count() >= 1
    _shot(page, "overview", tmp_path)

    # Models and the route playground.
    page.goto(ui + "/models")
    assert "fake/local" in page.inner_text("#models")
    page.goto(ui + "/playground")
    page.fill("#prompt", "summarise this for me")
    page.select_option("select[name=sensitivity]", "confidential")
    page.click("#route")
    decision = page.inner_text("#decision")
    assert "fake/local" in decision and "fake/pricey" in decision  # chosen, and the rejected one
    _shot(page, "playground", tmp_path)

    # Revoke from the dashboard: the key stops working.
    page.goto(ui + "/keys")
    page.on("dialog", lambda d: d.accept())
    page.locator("#keys-table tr", has_text="browser-bot").locator("button").click()
    assert "revoked" in page.locator("#keys-table tr", has_text="browser-bot").inner_text()
    server.gateway.keys.invalidate()
    with pytest.raises(openai.AuthenticationError):
        client.chat.completions.create(model="fake/local", messages=[{"role": "user", "content": "hi"}])


def test_forms_need_the_csrf_token(serve, tmp_path, browser):
    server = serve({"models": MODELS, "server": {"master_key": MASTER, "keys_url": f"sqlite:///{tmp_path}/k.db"}})
    ui = f"http://127.0.0.1:{server.port}/ui"
    page = browser.new_page()
    page.goto(ui + "/login")
    page.fill("#key", MASTER)
    page.click("#login")
    # A form posted without the session's token (as a forged cross-site form would be) is refused.
    r = page.request.post(ui + "/keys", form={"name": "forged", "csrf": "guess"})
    assert r.status == 403
    assert all(k.name != "forged" for k in server.gateway.keys.list())
