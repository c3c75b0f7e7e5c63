"""The unit CSV template: conversion (quotes, commas, line breaks, BOM), errors naming
row and column, and submission through the API with the same validation."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from registry.workflow.csvconv import HEADERS, CsvError, csv_to_graph, csv_to_turtle

from .conftest import BASE, DATA, ROOT

TRICKY = (DATA / "units-tricky.csv").read_bytes()


def test_tricky_csv_gives_the_turtle_a_person_writes():
    assert TRICKY.startswith(b"\xef\xbb\xbf")  # a byte-order mark
    assert b'""API""' in TRICKY and b"\n\xe5\x89\x8d\xe7\xab\xaf" in TRICKY  # escaped quotes, a line break in a cell
    expected = Graph().parse(DATA / "units-tricky.ttl", format="turtle")
    assert isomorphic(csv_to_graph(TRICKY), expected)
    # the Turtle text parses back to the same graph
    assert isomorphic(Graph().parse(data=csv_to_turtle(TRICKY), format="turtle"), expected)


def test_without_bom_and_with_windows_line_endings():
    text = TRICKY.decode("utf-8-sig")
    crlf = text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")
    g1, g2 = csv_to_graph(text.encode("utf-8")), csv_to_graph(crlf)
    assert isomorphic(g1, csv_to_graph(TRICKY))
    # line breaks inside quoted cells are kept as written (CRLF there stays CRLF)
    assert len(g2) == len(g1)


def test_header_cells_may_be_chinese_or_english_only():
    text = TRICKY.decode("utf-8-sig")
    first, rest = text.split("\n", 1)
    zh_only = ",".join(h.split("/")[0] for h in HEADERS)
    en_only = ",".join(h.split("/", 1)[1] for h in HEADERS)
    assert isomorphic(csv_to_graph(zh_only + "\n" + rest), csv_to_graph(TRICKY))
    assert isomorphic(csv_to_graph(en_only + "\n" + rest), csv_to_graph(TRICKY))


@pytest.mark.parametrize("mutate,where", [
    (lambda t: t.replace("ICT-SD-311", "ict-sd-311", 1), "row 2, column “编号/code”"),
    (lambda t: t.replace('"2.5"', '"two"', 1).replace(",2.5,", ",two,", 1), "row 2, column “学分/credit”"),
    (lambda t: t.replace(",4,3,", ",5,3,", 1), "row 3, column “级别/level”"),
    (lambda t: t.replace("编号/code", "编码/codes", 1), "unknown column “编码/codes”"),
    (lambda t: t.replace(",2026-02-01", ",2026/02/01", 1), "row 2, column “发布日期/issued”"),
])
def test_errors_name_row_and_column(mutate, where):
    text = TRICKY.decode("utf-8-sig")
    bad = mutate(text)
    assert bad != text
    with pytest.raises(CsvError) as e:
        csv_to_graph(bad)
    assert any(where in err["en"] for err in e.value.errors), e.value.errors
    assert all(err["zh"] for err in e.value.errors)


def test_not_utf8_is_refused():
    with pytest.raises(CsvError, match="not UTF-8"):
        csv_to_graph(TRICKY.decode("utf-8-sig").encode("gb18030"))


def test_template_and_example_ship():
    template = (ROOT / "docs" / "examples" / "units-template.csv").read_bytes()
    assert template.decode("utf-8-sig").strip() == ",".join(HEADERS)
    with pytest.raises(CsvError, match="no units"):
        csv_to_turtle(template)
    example = (ROOT / "docs" / "examples" / "units-example.csv").read_bytes()
    assert len(set(csv_to_graph(example).subjects(predicate=None, object=None))) > 2


def test_csv_submission_uses_the_same_validation(env):
    r = env.client.post("/api/validate", content=TRICKY, headers={"Content-Type": "text/csv"})
    assert r.status_code == 200, r.text
    assert sorted(i["item"] for i in r.json()["items"]) == [BASE + "unit/ICT-DA-412", BASE + "unit/ICT-SD-311"]
    # a unit of a functional area that does not exist: the registry check refuses it
    bad = TRICKY.replace(b"ICT-DA-412", b"ICT-QQ-412")
    r = env.client.post("/api/validate", content=bad, headers={"Content-Type": "text/csv"})
    assert r.status_code == 422
    assert any(x["kind"] == "reference" for i in r.json()["items"] for x in i["results"])
    # a CSV error is a 422 naming the row
    r = env.submit("alice", TRICKY.replace(b"ICT-SD-311", b"bad-code"), content_type="text/csv")
    assert r.status_code == 422
    assert r.json()["report"]["results"][0]["errors"][0]["row"] == 2
    # and the good file is published like Turtle
    result = env.publish(TRICKY, content_type="text/csv")
    assert {v["item"] for v in result["versions"]} == {BASE + "unit/ICT-DA-412", BASE + "unit/ICT-SD-311"}
    assert env.store.ask('ASK { ?u <http://www.w3.org/2004/02/skos/core#prefLabel> "编写\\"接口\\"文档"@zh }')


def test_cli_csv_to_ttl(tmp_path):
    from click.testing import CliRunner

    from registry.cli import main

    src = tmp_path / "units.csv"
    src.write_bytes(TRICKY)
    out = tmp_path / "units.ttl"
    r = CliRunner().invoke(main, ["csv-to-ttl", str(src), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert isomorphic(Graph().parse(out, format="turtle"), Graph().parse(DATA / "units-tricky.ttl", format="turtle"))
    src.write_bytes(TRICKY.replace(b"ICT-SD-311", b"bad-code"))
    r = CliRunner().invoke(main, ["csv-to-ttl", str(src)])
    assert r.exit_code == 1 and "row 2" in r.output
