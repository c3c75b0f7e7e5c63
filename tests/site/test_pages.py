"""What the catalogue pages show (fixture registry and shipped data)."""

from __future__ import annotations

import re

import pytest

from registry.catalogue import labels
from registry.catalogue.i18n import STRINGS

HTML = {"Accept": "text/html"}


def page(client, path, lang="zh"):
    r = client.get(path + ("&" if "?" in path else "?") + "lang=" + lang, headers=HTML)
    assert r.status_code == 200, (path, r.status_code)
    return r.text


def main_text(html: str) -> str:
    return html.split('<main', 1)[1].split("</main>", 1)[0]


def test_one_fallback_rule():
    vals = [("Write", "en"), ("编写", "zh"), ("plain", "")]
    assert labels.pick(vals, "zh") == ("编写", "zh")
    assert labels.pick(vals, "en") == ("Write", "en")
    assert labels.pick([("plain", ""), ("编写", "zh")], "en") == ("编写", "zh")  # the other language before untagged
    assert labels.pick([("plain", ""), ("x", "fr")], "en") == ("plain", "")   # then untagged
    assert labels.pick([("x", "fr")], "zh") == ("x", "fr")                      # then anything
    assert labels.pick([("B", "zh-CN"), ("A", "zh")], "zh") == ("A", "zh")      # stable tie-break
    assert labels.pick([], "zh") is None


def test_every_interface_string_has_both_languages():
    for key, (zh, en) in STRINGS.items():
        assert zh.strip() and en.strip(), key
        assert set(re.findall(r"{(\w+)}", zh)) == set(re.findall(r"{(\w+)}", en)), key


def test_unit_page_shows_the_eight_fields_and_more(client):
    html = page(client, "/unit/ICT-SD-301")
    for field in ("名称", "编号", "应用范围", "级别", "学分", "能力说明", "评价标准", "备注"):
        assert f'<th scope="row">{field}</th>' in html
    for text in ("编写单元测试", "ICT-SD-301", "适用于软件开发岗位。", "第三级", "能够为程序编写自动化单元测试。",
                 "能说明测试用例的设计。", "能运行测试并解读结果。", "建议结合实际项目评价。", "设计并运行单元测试。",
                 "信息技术行业能力标准", "软件开发", "学时 20", "版本 2", "稳定"):
        assert text in html, text
    assert "<strong>2</strong>" in html  # 2.0 credits shown as the author wrote them, not "2.0"/"2.00"
    for suffix in ("ttl", "jsonld", "rdf", "nt"):
        assert f'href="/unit/ICT-SD-301.{suffix}"' in html
    assert 'id="outcome-1"' in html


def test_english_page_and_fallback(client):
    html = page(client, "/unit/ICT-SD-301", "en")
    assert '<html lang="en"' in html
    assert '<span lang="en">Write unit tests</span>' in html
    assert "Competency statement" in html and "Assessment criteria" in html
    # criteria exist only in Chinese: the fallback shows them, tagged zh
    assert '<span lang="zh">能说明测试用例的设计。</span>' in html
    # sector P has only a Chinese label
    html = page(client, "/vocab/sector", "en")
    assert '<span lang="zh">教育</span>' in html


def test_language_is_remembered_in_a_cookie(client):
    r = client.get("/", params={"lang": "en"}, headers=HTML)
    assert r.cookies.get("lang") == "en" or "lang=en" in r.headers.get("set-cookie", "")
    client.cookies.set("lang", "en")
    try:
        assert '<html lang="en"' in client.get("/standards", headers=HTML).text
        client.cookies.set("lang", "zh")
        assert '<html lang="zh"' in client.get("/standards", headers=HTML).text
    finally:
        client.cookies.clear()


def test_every_author_label_carries_a_lang_attribute(client, site_store):
    html = page(client, "/standard/ICT")
    for label in ("编写单元测试", "软件开发", "网络运维", "信息技术行业能力标准"):
        assert re.search(r'<span lang="zh">' + re.escape(label) + "</span>", html), label


def test_superseded_unit_has_banner_and_successor(client):
    html = page(client, "/unit/ICT-SD-302")
    banner = html.split('class="banner banner-superseded"', 1)[1].split("</div>", 1)[0]
    assert "此条目已被取代" in banner and 'href="/unit/ICT-SD-301"' in banner


def test_framework_page(client):
    html = page(client, "/framework/gdleqf")
    assert 'class="ladder"' in html
    for dim in ("知识", "技能", "能力"):
        assert f'<span lang="zh">{dim}</span>' in html
    assert "某一领域的事实、原理和一般概念。" in html
    assert "级别描述为临时文本" in html  # the provisional-text notice from skos:editorialNote
    assert "http://data.europa.eu/snb/eqf/3" in html


def test_level_page_lists_units(client):
    html = page(client, "/framework/gdleqf/level/3")
    assert "ICT-SD-301" in html and "ICT-SD-302" in html and "ICT-NO-201" not in main_text(html)
    assert "软件测试证书" in html  # achievement at this level


def test_concept_lists_what_uses_it(client):
    html = page(client, "/vocab/sector/I")
    assert 'href="/standard/ICT"' in html
    html = page(client, "/vocab/outcome-type/certificate")
    assert 'href="/standard/ICT"' in html and 'href="/achievement/cert-testing"' in html


def test_standards_list_filters(client):
    assert "ICT" in main_text(page(client, "/standards?sector=I"))
    assert 'href="/standard/ICT"' not in main_text(page(client, "/standards?sector=P"))
    assert 'href="/standard/ICT"' in main_text(page(client, "/standards?level=3"))
    assert 'href="/standard/ICT"' not in main_text(page(client, "/standards?level=7"))


def test_standard_tree(client):
    html = page(client, "/standard/ICT")
    tree = html.split('class="tree"', 1)[1]
    assert tree.index("软件开发") < tree.index("ICT-SD-301") < tree.index("网络运维") < tree.index("ICT-NO-201")


def test_ontology_and_shapes_docs_from_the_graph(client):
    html = page(client, "/def")
    assert "能力单元" in html and "cb:level" in html
    assert "单元编号必须形如 ICT-SD-301" in html  # sh:message
    assert "必须恰好有 1 个值" in html             # min/max count in words
    assert "须符合模式" in html                     # sh:pattern in words
    html_en = page(client, "/shapes", "en")
    assert "exactly 1 value(s)" in html_en and "must match the pattern" in html_en


def test_home_page(client):
    html = page(client, "/")
    assert "认定、积累和转换" in html
    assert 'class="big-number">3<' in html  # three units
    latest = html.split('id="h-latest"', 1)[1]
    assert latest.index("ICT-SD-301") < latest.index("信息技术行业能力标准")  # 2026-11-01 before 2026-10-01


def test_embedded_jsonld(client):
    html = page(client, "/unit/ICT-SD-301")
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    import json
    doc = json.loads(block)
    assert doc["@context"] == "https://w3id.org/gdlecb/context.jsonld"


def test_accessibility_basics(client):
    html = page(client, "/unit/ICT-SD-301")
    assert 'class="skip-link" href="#main"' in html and 'id="main"' in html
    assert html.count("<h1") == 1
    assert 'aria-label="位置"' in html  # breadcrumbs
    assert 'media="print"' in html


def test_not_found_page_is_bilingual(client):
    r = client.get("/unit/NOPE-XX-999", headers=HTML)
    assert r.status_code == 404
    assert "未找到" in r.text and "Not found" in r.text


def test_paging(client, monkeypatch):
    from registry.catalogue import pages
    monkeypatch.setattr(pages, "PAGE_SIZE", 1)
    html = page(client, "/framework/gdleqf/level/3")
    assert 'rel="next" href="/framework/gdleqf/level/3?page=2"' in html
    html2 = page(client, "/framework/gdleqf/level/3?page=2")
    assert 'rel="prev"' in html2


@pytest.mark.parametrize("path", ["/", "/frameworks", "/standards", "/vocabularies", "/organisations",
                                  "/achievements", "/transfer-rules", "/def", "/shapes", "/search?q=ICT"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_shipped_catalogue_pages(shipped_client, path, lang):
    assert page(shipped_client, path, lang)


def test_every_shipped_item_has_a_page(shipped_client, shipped_store):
    base = "https://w3id.org/gdlecb/"
    graphs = [g for g in shipped_store.graph_names() if g.startswith(base)]
    assert len(graphs) > 20
    for g in graphs:
        for lang in ("zh", "en"):
            page(shipped_client, "/" + g[len(base):], lang)
