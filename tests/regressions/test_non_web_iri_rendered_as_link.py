"""Issue 14, defect 1: stored XSS through IRIs.

Reproduction: a unit with ``dcterms:source <javascript:alert(document.domain)>`` (or a ``data:``
URL), or an organisation with ``foaf:homepage <javascript:…>``, was rendered as
``<a href="javascript:…" rel="external">`` on the live page and in the static build, and the
script ran on click; the shapes accepted any IRI there. Fixed in the rendering layer (one gate,
``registry.catalogue.urls.safe_href``, behind ``u.href`` and the ``href`` filter) and in the shapes
(``sh:pattern "^https?://"`` on link-valued properties). The full set of cases:
tests/security/test_xss_iri_schemes.py and tests/browser/test_security.py.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

from registry.app import create_app
from registry.catalogue.build import build_site
from registry.config import Settings
from registry.loader import load_files
from registry.store.embedded import EmbeddedStore
from registry.validation import Validator, parse_rdf_file

SITE = Path(__file__).resolve().parents[1] / "site"
FIXTURE, EVIL = SITE / "fixture.ttl", SITE / "evil-links.ttl"
UNSAFE_HREF = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*(?:javascript|data|vbscript):""", re.I)


def _store():
    store = EmbeddedStore(None)
    load_files(store, [FIXTURE, EVIL])
    return store


def test_live_unit_and_organisation_pages():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    client = TestClient(create_app(Settings(), store=_store()))
    for path in ("/unit/ICT-NO-202", "/org/evil"):
        html = client.get(path, headers={"Accept": "text/html"}).text
        assert "javascript:alert(document.domain)" in html  # shown, as text
        assert not UNSAFE_HREF.search(html), path


def test_static_build(tmp_path):
    build_site(_store(), tmp_path, base_iri="https://w3id.org/gdlecb/", workers=1)
    for name in ("unit/ICT-NO-202.html", "org/evil.html", "en/unit/ICT-NO-202.html"):
        html = (tmp_path / name).read_text("utf-8")
        assert "javascript:alert(document.domain)" in html
        assert not UNSAFE_HREF.search(html), name


def test_shapes_refuse_the_reproduction():
    report = Validator(reference_paths=[FIXTURE]).validate({"evil.ttl": parse_rdf_file(EVIL)})
    flagged = {(r.path_curie, r.value) for r in report.results}
    assert ("dcterms:source", "javascript:alert(document.domain)") in flagged
    assert ("foaf:homepage", "javascript:alert(document.domain)") in flagged
