"""Issue 14, defect 1: the depth scanners run before any parser; they must count exactly the
nesting a parser would see (strings, IRIs, comments, CDATA and attribute values skipped) and
stay linear on hostile input (unterminated strings, comments, tags)."""

from __future__ import annotations

import time

import pyoxigraph as ox
import pytest

from registry.validation import RdfSyntaxError, parse_rdf
from registry.validation.limits import NestingTooDeep, check_depth, position

T, TRIG, NT, J, X = (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.N_TRIPLES, ox.RdfFormat.JSON_LD,
                     ox.RdfFormat.RDF_XML)


@pytest.mark.parametrize("data,fmt,depth", [
    (b"<a> <p> [ <q> ( 1 2 ( 3 ) ) ] .", T, 3),
    (b'<a> <p> "[[[(((" , \'(((\' , """ [[[ "" ((( """ , \'\'\'((( \'\' \'\'\' .', T, 0),
    (b'<a> <p> "a\\"(((" .', T, 0),
    (b"<a(> <p> 1 . # [[[[[ \n", T, 0),
    (b"ex:a\\( <p> 1 .", T, 0),
    (b"<< <a> <p> <o> >> <p> 1 .", T, 1),
    (b"<g> { <a> <p> [ <q> 1 ] . }", TRIG, 2),
    (b"<a> <p> <o> {| <r> [ <s> 1 ] |} .", T, 2),
    (b'<a> <p> "x((" .\n', NT, 0),
    (b'{"a": "[[[{{{\\"[[", "b": [[{"c": 1}]]}', J, 4),
    (b'<?xml version="1.0"?><!-- <a><b> --><r:RDF a="<x>"><d/><e><![CDATA[<f><g>]]></e></r:RDF>', X, 2),
    (b'<!DOCTYPE rdf [ <!ENTITY a "<b>"> ]><r><s a=">">1</s></r>', X, 2),
])
def test_counts_what_a_parser_nests_on(data, fmt, depth):
    assert check_depth(data, fmt, 1000) == depth
    if depth > 1:  # (a limit of 0 switches the check off)
        with pytest.raises(NestingTooDeep):
            check_depth(data, fmt, depth - 1)


def test_position_names_line_and_character_column():
    data = "<a> <p> \"é\" ;\n  <q> [ <r> [ <s> 1 ] ] .".encode()
    with pytest.raises(NestingTooDeep) as e:
        check_depth(data, T, 1)
    assert position(data, e.value.offset) == (2, 13)


@pytest.mark.parametrize("fmt,opener,closer", [("text/turtle", "[ <http://p> ", " ]"), ("text/turtle", "( ", " )"),
                                               ("application/trig", "[ <http://p> ", " ]"),
                                               ("application/ld+json", '{"http://p": ', "}"),
                                               ("application/ld+json", "[", "]")])
def test_parse_rdf_refuses_past_the_limit_bilingually(fmt, opener, closer):
    head = '{"@id": "http://a", "http://p": ' if "json" in fmt else ("<http://g> { " if "trig" in fmt else "")
    tail = "}" if "json" in fmt else (" }" if "trig" in fmt else "")
    subject = "" if "json" in fmt else "<http://a> <http://p> "
    ok = head + subject + opener * 10 + "1" + closer * 10 + (" ." if "json" not in fmt else "") + tail
    assert parse_rdf(ok, source="s", fmt=fmt, max_depth=20) is not None
    with pytest.raises(RdfSyntaxError) as e:
        parse_rdf(ok, source="s", fmt=fmt, max_depth=5)
    assert e.value.line == 1 and e.value.column > 1
    assert "嵌套层数超过上限 5" in e.value.zh and "deeper than the limit of 5" in e.value.en


def test_rdfxml_element_depth_is_bounded():
    n = 200
    xml = (b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
           b'xmlns:x="http://x/"><rdf:Description rdf:about="http://a">' + b"<x:p><rdf:Description>" * n
           + b"<x:p>1</x:p>" + b"</rdf:Description></x:p>" * n + b"</rdf:Description></rdf:RDF>")
    with pytest.raises(RdfSyntaxError) as e:
        parse_rdf(xml, source="s.rdf", fmt="application/rdf+xml", max_depth=64)
    assert "XML" in e.value.en
    assert len(parse_rdf(xml, source="s.rdf", fmt="application/rdf+xml", max_depth=1000)) == n + 1


HOSTILE = {
    "turtle unterminated long strings": (b"'''a" * 2**18, T),
    "turtle escaped quotes": (b'"\\' * 2**19, T),
    "turtle lone quotes": (b'"' * 2**20, T),
    "turtle broken IRIs": (b"<aaaa" * 2**18, T),
    "json escaped quotes": (b'"\\"' * 2**18, J),
    "json lone quotes": (b'"' * 2**20, J),
    "xml unterminated attributes": (b'<a x="<' * 2**17, X),
    "xml unterminated comments": (b"<!--" * 2**18, X),
    "xml unterminated CDATA": (b"<![CDATA[" * 2**17, X),
    "xml lone <": (b"<" * 2**20, X),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_scanners_stay_linear_on_hostile_input(name):
    data, fmt = HOSTILE[name]
    started = time.perf_counter()
    try:
        check_depth(data, fmt, 64)
    except NestingTooDeep:
        pass
    # ~1 MiB: linear scans take well under a second even on a busy machine; a quadratic one takes hours
    assert time.perf_counter() - started < 10
