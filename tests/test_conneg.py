"""The one Accept parser every route uses (table-driven)."""

import pytest

from registry.negotiation import negotiate, parse_accept

RDF = ["text/turtle", "application/ld+json", "application/rdf+xml", "application/n-triples"]
PAGE = ["text/html", *RDF]


@pytest.mark.parametrize(
    ("accept", "offered", "default", "expected"),
    [
        (None, RDF, None, "text/turtle"),
        ("", PAGE, "text/html", "text/html"),
        ("*/*", PAGE, "text/turtle", "text/turtle"),
        ("application/ld+json", PAGE, "text/html", "application/ld+json"),
        ("text/turtle;q=0.5, application/rdf+xml;q=0.9", RDF, None, "application/rdf+xml"),
        ("text/*;q=0.3, text/html;q=0.7, */*;q=0.1", PAGE, None, "text/html"),
        ("text/*", RDF, None, "text/turtle"),
        ("text/turtle; charset=utf-8", RDF, None, "text/turtle"),
        ("image/png", PAGE, "text/html", None),
        ("text/html;q=0, */*", PAGE, None, "text/turtle"),
        ("application/n-triples, text/turtle", RDF, None, "application/n-triples"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", PAGE, "text/html", "text/html"),
        ("application/json;q=bad, text/turtle", ["application/json", "text/turtle"], None, "text/turtle"),
    ],
)
def test_negotiate(accept, offered, default, expected):
    assert negotiate(accept, offered, default) == expected


def test_parse_skips_garbage_and_reads_q():
    ranges = parse_accept("text/turtle;q=0.4, nonsense, *;q=0.2")
    assert [(r.type, r.subtype, r.q) for r in ranges] == [("text", "turtle", 0.4), ("*", "*", 0.2)]


# --- the language rule: ?lang → cookie → Accept-Language → default ---------------------------------
from registry.negotiation import language  # noqa: E402


@pytest.mark.parametrize(
    ("query", "cookie", "accept_language", "default", "expected"),
    [
        ({}, None, None, "zh", ("zh", False)),
        ({}, None, None, "en", ("en", False)),
        ({"lang": "en"}, "zh", "zh-CN", "zh", ("en", True)),
        ({"lang": "zh-CN"}, "en", None, "en", ("zh", True)),
        ({"lang": "fr"}, "en", None, "zh", ("en", False)),  # an unknown ?lang is no choice
        ({}, "en", "zh-CN", "zh", ("en", False)),
        ({}, "xx", "en-GB", "zh", ("en", False)),
        ({}, None, "en-GB,en;q=0.9,zh;q=0.8", "zh", ("en", False)),
        ({}, None, "zh;q=0.4, en;q=0.6", "zh", ("en", False)),
        ({}, None, "fr, de;q=0.9", "zh", ("zh", False)),
        ({}, None, "en;q=0, zh-TW;q=0.2", "en", ("zh", False)),
        ({}, None, "*", "en", ("en", False)),
    ],
)
def test_language_rule(query, cookie, accept_language, default, expected):
    chosen = language(query, {"lang": cookie} if cookie else {}, accept_language, default)
    assert (chosen.lang, chosen.from_query) == expected
