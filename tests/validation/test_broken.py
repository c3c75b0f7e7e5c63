"""The broken-submission corpus (broken/*.ttl): each file's expected results are in broken/expected.toml.

Checked through the library (exact set of results, with code, line and both messages) and through
the CLI (exit status and what it prints, in zh and en).
"""

from __future__ import annotations

import tomllib
from collections import Counter

import pytest
from click.testing import CliRunner

from registry.cli import main
from registry.validation import RdfSyntaxError, parse_rdf_file

from .conftest import BROKEN, REFERENCE

CASES = tomllib.loads((BROKEN / "expected.toml").read_text("utf-8"))["case"]
IDS = [c["file"] for c in CASES]


def test_corpus_is_complete():
    files = sorted(p.name for p in BROKEN.iterdir() if p.suffix in (".ttl", ".jsonld"))
    assert sorted(IDS) == files, "every broken file needs a row in expected.toml and vice versa"
    assert len(files) >= 20


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_library(case, fixture_validator):
    path = BROKEN / case["file"]
    if "syntax" in case:
        with pytest.raises(RdfSyntaxError) as info:
            parse_rdf_file(path)
        e = info.value
        assert (e.line, e.column) == (case["syntax"]["line"], case["syntax"]["column"])
        assert case["syntax"]["message"] in e.message
        assert str(e) == f"{path}:{e.line}:{e.column}: {e.message}"
        return
    report = fixture_validator.validate({case["file"]: parse_rdf_file(path)}, texts={case["file"]: path.read_text("utf-8")})
    expected = case["result"]
    got = Counter((r.severity, r.path_curie, r.constraint) for r in report.results)
    want = Counter((x["severity"], x.get("path"), x["constraint"]) for x in expected)
    assert got == want, report.to_text("en")
    for x in expected:
        matches = [r for r in report.results
                   if (r.severity, r.path_curie, r.constraint) == (x["severity"], x.get("path"), x["constraint"])
                   and r.line == x["line"] and x["zh"] in r.message.get("zh", "") and x["en"] in r.message.get("en", "")]
        assert matches, f"no result like {x} in:\n{report.to_text('zh')}\n{report.to_text('en')}"
        for r in matches:
            assert r.source == case["file"]
            if "code" in x:
                assert r.code == x["code"]
            assert r.item is not None or x["constraint"] == "ItemSplit"
    assert report.conforms == (case["exit"] == 0)


def _run(*args, stdin=None):
    return CliRunner().invoke(main, ["validate", "--no-shipped", "--with", str(REFERENCE), *args], input=stdin)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_cli(case):
    path = BROKEN / case["file"]
    result = _run(str(path))
    assert result.exit_code == case["exit"], result.output
    if "syntax" in case:
        s = case["syntax"]
        assert result.stderr.startswith(f"{path}:{s['line']}:{s['column']}: ")
        assert s["message"] in result.stderr
        assert result.stdout == ""
        return
    out = result.stdout
    for x in case["result"]:
        assert x["zh"] in out
        assert ("违规" if x["severity"] == "Violation" else "警告") in out
        if "path" in x:
            assert f"({x['path']})" in out or f"属性: {x['path']}" in out
        assert f"{path}:{x['line']}" in out
        if "code" in x:
            assert x["code"] in out


def test_cli_english_and_json():
    path = BROKEN / "hours-inconsistent-hkqf.ttl"
    en = _run("--lang", "en", str(path))
    assert en.exit_code == 1
    assert "Violation" in en.stdout and "fixes 10 hours per credit" in en.stdout and "notional hours" in en.stdout
    assert "违规" not in en.stdout
    import json

    js = _run("--format", "json", "--lang", "en", str(path))
    data = json.loads(js.stdout)
    assert js.exit_code == 1 and data["conforms"] is False and data["violations"] == 1
    [r] = data["results"]
    assert r["path"] == "https://w3id.org/gdlecb/def/notionalHours"
    assert r["code"] == "TST-SD-302" and r["value"] == "25.0" and r["line"] == 12
    assert r["constraint"] == "SPARQLConstraintComponent"
    assert "20.0" in r["message"]  # 2 credits x 10 hours


def test_cli_turtle_report_is_a_shacl_report():
    from rdflib import Graph
    from rdflib.namespace import SH

    result = _run("--format", "turtle", str(BROKEN / "missing-zh-label.ttl"))
    assert result.exit_code == 1
    g = Graph().parse(data=result.stdout, format="turtle")
    assert len(list(g.subjects(SH.conforms, None))) == 1
    [res] = list(g.objects(None, SH.result))
    messages = {m.language: str(m) for m in g.objects(res, SH.resultMessage)}
    assert "单元缺少中文名称" in messages["zh"] and "no Chinese name" in messages["en"]


def test_cli_folder_reports_every_file_and_stops_on_syntax_errors():
    # the corpus folder holds two unreadable files: nothing is validated, both are named, exit 2
    result = _run(str(BROKEN))
    assert result.exit_code == 2
    assert "syntax-error.ttl:9:20:" in result.stderr and "syntax-error.jsonld:5:1:" in result.stderr


def test_cli_stdin():
    text = (BROKEN / "missing-en-label.ttl").read_text("utf-8")
    result = _run("-", stdin=text)
    assert result.exit_code == 0
    assert "警告" in result.stdout and "<stdin>:12" in result.stdout
    bad = _run("-", stdin="@prefix x: <http://x/> .\nx:a x:b x:e .\nx:c x:d")
    assert bad.exit_code == 2
    assert bad.stderr.startswith("<stdin>:3:")


def test_cli_missing_path():
    result = _run("no/such/file.ttl")
    assert result.exit_code == 2
    assert result.stderr.startswith("no/such/file.ttl:1:1: ")


def test_installed_command_exit_status():
    """The real process (not CliRunner): exit 0 with a warning, 1 with a violation."""
    import subprocess
    import sys

    base = [sys.executable, "-m", "registry.cli", "validate", "--no-shipped", "--with", str(REFERENCE), "--lang", "en"]
    ok = subprocess.run([*base, str(BROKEN / "missing-en-label.ttl")], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert "Warning" in ok.stdout and "has no English name" in ok.stdout
    bad = subprocess.run([*base, str(BROKEN / "missing-zh-label.ttl")], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1, bad.stderr
    assert "has no Chinese name" in bad.stdout
