"""Browse and search the catalogue in Debian's chromium: the live server and the static build."""

from __future__ import annotations

import re

import pytest

from registry.catalogue.queries import load_site_data
from registry.catalogue.search import SearchIndex

pytestmark = pytest.mark.browser
BASE = "https://w3id.org/gdlecb/"
UNIT_CODE = re.compile(r"[A-Z][A-Z0-9]{1,7}-[A-Z][A-Z0-9]{1,3}-[1-7][0-9]{2}")


def test_live_framework_level_unit_search_language(live_server, open_page):
    p = open_page("live")
    page = p.page
    page.goto(live_server + "/?lang=zh")
    assert page.locator("html").get_attribute("lang") == "zh"
    assert "认定、积累和转换" in page.content()
    p.shot("home")

    # framework → level → unit, by clicking
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="资历框架").click()
    page.locator("main table a").first.click()
    page.wait_for_selector("ol.ladder")
    p.shot("framework")
    page.locator("ol.ladder a", has_text="第三级").click()
    page.wait_for_selector("h1")
    assert "第三级" in page.locator("h1").inner_text()
    p.shot("level")
    page.locator("main table.list a").first.click()
    h1 = page.locator("h1").inner_text()
    assert UNIT_CODE.search(h1), h1
    for field in ("名称", "编号", "应用范围", "级别", "学分", "能力说明", "评价标准", "备注"):
        assert page.get_by_role("rowheader", name=field, exact=True).count() == 1
    p.shot("unit")

    # search a Chinese term from the header
    page.fill("#header-q", "软件")
    page.press("#header-q", "Enter")
    page.wait_for_selector("ol.results li")
    assert page.locator("ol.results li").count() >= 2
    p.shot("search-zh")

    # switch language; the choice is remembered on the next page
    page.locator("a.lang-switch").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    page.goto(live_server + "/standards")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Industry competency standards"

    # search an English term, open a unit from the results
    page.fill("#header-q", "web")
    page.press("#header-q", "Enter")
    page.wait_for_selector("ol.results li")
    p.shot("search-en")
    unit_link = page.locator('ol.results li a[href^="/unit/"]').first
    code = unit_link.locator("span.code").inner_text()
    unit_link.click()
    page.wait_for_selector("h1")
    assert code in page.locator("h1").inner_text()
    assert page.get_by_role("rowheader", name="Competency statement").count() == 1
    p.shot("unit-en")
    assert p.errors == []


def test_live_keyboard_skip_link_and_focus(live_server, open_page):
    p = open_page("live-keyboard")
    page = p.page
    page.goto(live_server + "/unit/ICT-SD-301?lang=zh")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # visible focus
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    p.shot("skip-link")
    assert p.errors == []


def test_live_mobile_layout(live_server, open_page):
    p = open_page("live-mobile", width=390)
    page = p.page
    page.goto(live_server + "/unit/ICT-SD-301?lang=zh")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, width  # no horizontal scrolling on a phone
    p.shot("unit-mobile")
    assert p.errors == []


def test_static_build_browse_search_and_switch(static_site, shipped_store, open_page):
    url, out = static_site
    p = open_page("static")
    page = p.page
    page.goto(url + "/index.html")
    p.shot("home")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="资历框架").click()
    page.locator("main table a").first.click()
    page.locator("ol.ladder a", has_text="第二级").click()
    page.locator("main table.list a").first.click()
    assert UNIT_CODE.search(page.locator("h1").inner_text())
    p.shot("unit")

    # client-side search, Chinese then English
    page.fill("#header-q", "软件")
    page.press("#header-q", "Enter")
    page.wait_for_selector("ol.results li a")
    p.shot("search-zh")
    page.fill("#q", "web")
    page.press("#q", "Enter")
    page.wait_for_selector("ol.results li a")
    first = page.locator("ol.results li a").first
    first.click()
    page.wait_for_selector("h1")
    p.shot("search-result-opened")

    # the client-side ranking equals the server's
    index = SearchIndex(load_site_data(shipped_store), BASE)
    page.goto(url + "/search.html")
    for q in ("软件", "ICT", "web", "ICT-SD-301", "数据", "level"):
        js = page.evaluate(
            """async (q) => { const idx = await (await fetch('search-index.json')).json();
                 return RegistrySearch.search(idx, q, {}, 'zh').map(r => r.path); }""", q)
        py = [h["iri"][len(BASE):] for h in index.search(q, lang="zh")]
        py = [re.sub(r"^(unit/[^/]+)/.*$", r"\1", x) for x in py]
        assert js == py, q

    # switching language goes to the same page in the other tree, and is remembered
    page.goto(url + "/unit/ICT-SD-301.html")
    page.locator("a.lang-switch").click()
    page.wait_for_load_state()
    assert page.url.endswith("/en/unit/ICT-SD-301.html")
    assert page.locator("html").get_attribute("lang") == "en"
    page.goto(url + "/standards.html")
    page.wait_for_url(re.compile(r"/en/standards\.html$"))
    p.shot("standards-en-remembered")
    assert p.errors == []


def test_static_search_shows_markup_as_text(evil_static_site, open_page):
    url, _ = evil_static_site
    p = open_page("static-xss")
    page = p.page
    page.goto(url + "/search.html?q=alert")
    page.wait_for_selector("ol.results li a")
    texts = page.locator("ol.results li a").all_inner_texts()
    assert any("<script>alert(1)</script>" in t for t in texts)
    page.locator("ol.results li a").first.click()
    page.wait_for_selector("h1")
    assert "<script>alert(1)</script>" in page.locator("h1").inner_text()
    page.goto(url + "/unit/ICT-NO-201.html")
    assert "<img src=x onerror=alert(2)>" in page.locator("main").inner_text()
    p.shot("unit")
    assert p.dialogs == []  # no author script ran
    assert p.errors == []
