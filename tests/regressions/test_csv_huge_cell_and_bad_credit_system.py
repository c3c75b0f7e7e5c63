"""Issue 14, defect 3: the unit CSV gave 500s for (a) a cell over 131,072 characters (Python's
csv ``field_size_limit`` error) and (b) a credit-system cell like ``a:b c`` (an IRI rdflib cannot
write). Reproduction: the template row with its remarks cell 140,000 characters long, or with
``a:b c`` as its credit system, sent as ``text/csv`` to ``POST /api/validate``. Both are now 422
with a bilingual message naming row and column; cells are limited to
``REGISTRY_CSV_MAX_CELL_CHARS`` (100,000) characters.
"""

from __future__ import annotations

import csv
import io

import pytest

from registry.workflow.csvconv import COLUMNS, CsvError, csv_to_turtle

ROW = {"code": "ICT-SD-309", "title": "编写自动化测试脚本", "range": "软件测试", "level": "3", "credit": "2",
       "competency": "能编写测试", "outcomes": "编写测试用例", "criteria": "测试可重复运行"}


def make_csv(**cells) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([h for _k, h, *_ in COLUMNS])
    row = {**ROW, **cells}
    w.writerow([row.get(k, "") for k, *_ in COLUMNS])
    return buf.getvalue().encode("utf-8")


def test_the_template_row_converts():
    assert "ICT-SD-309" in csv_to_turtle(make_csv())


def test_a_cell_over_the_limit_names_row_and_column():
    with pytest.raises(CsvError) as e:
        csv_to_turtle(make_csv(remarks="长" * 140_000))
    err = e.value.errors[0]
    assert err["row"] == 2 and err["column"] == "备注/remarks"
    assert "第 2 行" in err["zh"] and "140000" in err["zh"] and "row 2" in err["en"] and "100000" in err["en"]


def test_a_long_cell_under_the_limit_is_kept():
    text = "长" * 99_000
    assert text in csv_to_turtle(make_csv(remarks=text))


@pytest.mark.parametrize("system", ["a:b c", "gd credit", "<x>", "http://x/a b"])
def test_a_bad_credit_system_names_row_and_column(system):
    with pytest.raises(CsvError) as e:
        csv_to_turtle(make_csv(credit_system=system))
    err = e.value.errors[0]
    assert err["row"] == 2 and err["column"] == "学分制度/credit system"
    assert "学分制度" in err["zh"] and "credit system" in err["en"]


@pytest.mark.parametrize("system", ["hkqf-credit", "https://w3id.org/gdlecb/vocab/credit-system/gd-credit"])
def test_good_credit_systems_still_convert(system):
    assert "creditSystem" in csv_to_turtle(make_csv(credit_system=system))


@pytest.mark.parametrize("cells", [{"remarks": "x" * 140_000}, {"credit_system": "a:b c"}])
def test_dry_run_answers_422(env, cells):
    r = env.client.post("/api/validate", content=make_csv(**cells), headers={"Content-Type": "text/csv"})
    assert r.status_code == 422, r.text[:300]
    body = r.json()
    assert body["results"][0]["kind"] == "csv" and body["results"][0]["errors"][0]["row"] == 2
