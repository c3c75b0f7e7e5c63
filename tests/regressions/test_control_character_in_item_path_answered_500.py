"""A control character in a catalogue path reached a SPARQL query and answered 500.

Found by the API fuzz suite (tests/security/test_fuzz_api.py) in the first full run of stop 16:
``GET /%1B/v/-1`` (ESC, then a version number the version route refuses) fell through to the
catalogue's catch-all, whose IRI check (``IriMap.iri_of``) let control characters through; the
IRI went into ``graph_of``'s query text and pyoxigraph raised a SyntaxError (500). Control
characters (U+0000–U+001F, U+007F) are now refused with the other characters no IRI may hold,
so such a path is a plain 404, like any other path that is not one of our identifiers.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from workflow.conftest import env, seed_store_dir  # noqa: E402,F401


@pytest.mark.parametrize("path", ["/%1B/v/-1", "/%1B", "/unit/ICT%00-SD-309", "/standard/ICT%7F",
                                  "/standard/ICT/area/%1FSD/v/1"])
def test_control_characters_in_paths_are_not_found(env, path):
    for accept in ("text/html", "text/turtle", "application/ld+json"):
        r = env.client.get(path, headers={"Accept": accept})
        assert r.status_code == 404, (path, accept, r.status_code, r.text[:200])
