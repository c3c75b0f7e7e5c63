"""Property-based fuzzing of every HTTP route: no generated input gets a 5xx (issue 14, defect 7).

* Every operation of the OpenAPI document is driven by schemathesis with generated
  parameters and bodies, anonymously and with an admin token (so the authorised
  code paths run too), and every answer must be below 500.
* The routes outside the OpenAPI document (linked-data IRIs, catalogue pages,
  ``/sparql``) are driven by Hypothesis with generated paths and query strings.

The only 5xx the registry may send is the documented 503 of the SPARQL time limit
or "all workers busy"; the queries generated here are small, so none is expected.
"""

from __future__ import annotations

import json
import shutil
import string
import tempfile
from urllib.parse import quote

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings, strategies as st

from registry.app import create_app
from registry.config import Settings
from workflow.conftest import make_env

pytestmark = pytest.mark.filterwarnings("ignore")

FUZZ = settings(max_examples=25, deadline=None, derandomize=True,
                suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def fuzz_env(tmp_path_factory, seed_store_dir):
    env = make_env(tmp_path_factory.mktemp("fuzz"), seed_store_dir)
    yield env
    env.client.close()
    env.store.close()


def _operations():
    """The OpenAPI operations of the app (the document does not depend on the store's content)."""
    folder = tempfile.mkdtemp(prefix="registry-openapi-")
    try:
        app = create_app(Settings(store=folder + "/store", state_dir=folder + "/state"))
        spec = app.openapi()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return [r.ok() for r in schemathesis.openapi.from_dict(spec).get_all_operations()]


OPERATIONS = _operations()


def _send(fuzz_env, case, who: str | None):
    kw = case.as_transport_kwargs(base_url="http://testserver")
    headers = {k: v for k, v in kw["headers"].items() if k.lower() not in ("connection", "accept-encoding")}
    if who:
        headers["Authorization"] = f"Bearer {fuzz_env.tokens[who]}"
    body = kw.get("data")
    if body is None and "json" in kw:
        body = json.dumps(kw["json"]).encode("utf-8")
        headers.setdefault("Content-Type", "application/json")
    return fuzz_env.client.request(kw["method"], kw["url"], params=kw.get("params"), headers=headers,
                                   cookies=kw.get("cookies") or None, content=body)


@pytest.mark.parametrize("who", [None, "admin"], ids=["anonymous", "admin"])
@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_no_openapi_operation_answers_5xx(fuzz_env, operation, who):
    @given(case=operation.as_strategy())
    @FUZZ
    def run(case):
        r = _send(fuzz_env, case, who)
        assert r.status_code < 500, (case.method, case.formatted_path, case.query, r.status_code, r.text[:300])

    run()


_segment = st.text(alphabet=string.ascii_letters + string.digits + "-._~%:@!$&'()*+,;=", min_size=0, max_size=24)
_value = st.one_of(st.text(max_size=40), st.integers().map(str), st.just(str(2**63)), st.just("-1"),
                   st.just("9" * 40))
_params = st.dictionaries(st.sampled_from(["lang", "_mediatype", "_format", "_versionAt", "page", "q", "type",
                                           "level", "sector", "status", "since", "limit", "offset", "from", "to",
                                           "query", "default-graph-uri", "named-graph-uri", "format", "timeout"]),
                          _value, max_size=4)
_prefix = st.sampled_from(["", "unit/", "standard/", "standard/ICT/area/", "framework/", "framework/gdleqf/level/",
                           "vocab/", "org/", "achievement/", "transfer-rule/", "def/", "shapes/", "search",
                           "standards", "api/search", "api/changes", "unit/ICT-SD-301/v/", "sparql"])


@given(prefix=_prefix, segments=st.lists(_segment, max_size=3), params=_params,
       accept=st.sampled_from([None, "text/html", "text/turtle", "application/ld+json", "*/*", "application/x-nonsense",
                               "text/html;q=0.1, application/ld+json;q=0.9"]))
@FUZZ
def test_no_page_or_iri_answers_5xx(fuzz_env, prefix, segments, params, accept):
    path = "/" + prefix + "/".join(segments)
    query = "&".join(f"{quote(k)}={quote(v)}" for k, v in params.items())
    headers = {"accept": accept} if accept else {}
    r = fuzz_env.client.get(path + ("?" + query if query else ""), headers=headers)
    assert r.status_code < 500, (path, params, r.status_code, r.text[:300])
