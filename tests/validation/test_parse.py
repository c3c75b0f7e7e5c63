"""parse_rdf / parse_rdf_file: formats and syntax errors with positions."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from registry.validation import RdfSyntaxError, parse_rdf, parse_rdf_file, rdf_format

TTL = '@prefix s: <http://www.w3.org/2004/02/skos/core#> .\n<http://x/a> s:prefLabel "甲"@zh .\n'


@pytest.mark.parametrize("fmt,data", [
    (None, TTL),
    ("text/turtle", TTL),
    ("ttl", TTL),
    ("application/n-triples", '<http://x/a> <http://www.w3.org/2004/02/skos/core#prefLabel> "甲"@zh .\n'),
    ("nt", '<http://x/a> <http://www.w3.org/2004/02/skos/core#prefLabel> "甲"@zh .\n'),
    ("application/ld+json", '{"@id": "http://x/a", "http://www.w3.org/2004/02/skos/core#prefLabel": {"@value": "甲", "@language": "zh"}}'),
    ("jsonld", '{"@id": "http://x/a", "http://www.w3.org/2004/02/skos/core#prefLabel": {"@value": "甲", "@language": "zh"}}'),
    ("application/rdf+xml", '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
     'xmlns:s="http://www.w3.org/2004/02/skos/core#"><rdf:Description rdf:about="http://x/a">'
     '<s:prefLabel xml:lang="zh">甲</s:prefLabel></rdf:Description></rdf:RDF>'),
    ("rdf", '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
     'xmlns:s="http://www.w3.org/2004/02/skos/core#"><rdf:Description rdf:about="http://x/a">'
     '<s:prefLabel xml:lang="zh">甲</s:prefLabel></rdf:Description></rdf:RDF>'),
])
def test_formats(fmt, data):
    [t] = parse_rdf(data, source="x", fmt=fmt)
    assert t.subject == ox.NamedNode("http://x/a")
    assert t.object == ox.Literal("甲", language="zh")


def test_bytes_and_str_give_the_same_triples():
    assert parse_rdf(TTL, source="a") == parse_rdf(TTL.encode(), source="a")


@pytest.mark.parametrize("fmt,data,line,column", [
    ("ttl", '@prefix s: <http://x/> .\ns:a s:b s:c ;\n  s:d ] .\n', 3, 7),
    ("ttl", '<http://x/a> <http://x/b> "unterminated .\n', 1, 27),
    ("nt", "<a> <b> <c> .\n", 1, 1),
    ("jsonld", '{"@id": "http://x/a",\n "http://x/p": ', 2, 16),
])
def test_syntax_errors_carry_positions(fmt, data, line, column):
    with pytest.raises(RdfSyntaxError) as info:
        parse_rdf(data, source="up.ttl", fmt=fmt)
    e = info.value
    assert (e.source, e.line, e.column) == ("up.ttl", line, column)
    assert e.message and "Parser error" not in e.message  # the position is not repeated in the message
    assert str(e) == f"up.ttl:{line}:{column}: {e.message}"
    assert isinstance(e, ValueError)


def test_unknown_format():
    with pytest.raises(ValueError, match="unknown RDF format"):
        rdf_format("text/x-nonsense")


def test_parse_file_uses_the_suffix(tmp_path):
    p = tmp_path / "a.nt"
    p.write_text('<http://x/a> <http://x/b> "c" .\n')
    assert len(parse_rdf_file(p)) == 1
    q = tmp_path / "b.ttl"
    q.write_text("<http://x/a> <http://x/b> .\n")
    with pytest.raises(RdfSyntaxError) as info:
        parse_rdf_file(q)
    assert str(info.value).startswith(f"{q}:1:")
    with pytest.raises(RdfSyntaxError, match="cannot read"):
        parse_rdf_file(tmp_path / "missing.ttl")
