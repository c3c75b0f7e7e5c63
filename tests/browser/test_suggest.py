"""Search-as-you-type in the header search box (issue 10, item 6): site/static/suggest.js over
/api/suggest, an ARIA combobox with a listbox, keyboard operable, no CSP violation."""

from __future__ import annotations


def test_typing_shows_suggestions_and_enter_opens_the_chosen_unit(live_server, open_page):
    p = open_page("suggest")
    page = p.page
    page.goto(live_server + "/?lang=zh")
    box = page.locator("#header-q")
    assert box.get_attribute("role") == "combobox" and box.get_attribute("aria-expanded") == "false"
    box.press_sequentially("接待到店")
    options = page.locator("#header-q-suggestions [role=option]")
    options.first.wait_for(state="visible", timeout=5000)
    assert box.get_attribute("aria-expanded") == "true"
    assert "接待到店客户" in options.first.inner_text()
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == options.first.get_attribute("id")
    assert options.first.get_attribute("aria-selected") == "true"
    box.press("Enter")
    page.wait_for_url("**/unit/AUTO-SM-101*", timeout=5000)
    assert "接待到店客户" in page.locator("h1").inner_text()
    assert not p.errors and not p.csp_violations()


def test_escape_closes_the_list(live_server, open_page):
    p = open_page("suggest-escape")
    page = p.page
    page.goto(live_server + "/?lang=en")
    box = page.locator("#header-q")
    box.press_sequentially("Welcome cust")
    page.locator("#header-q-suggestions [role=option]").first.wait_for(state="visible", timeout=5000)
    box.press("Escape")
    assert box.get_attribute("aria-expanded") == "false"
    assert page.locator("#header-q-suggestions").is_hidden()
