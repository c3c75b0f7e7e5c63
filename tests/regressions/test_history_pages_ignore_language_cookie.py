"""Issue 12: history pages ignored the language cookie.

Reproduction: a reader who chose English in the catalogue (the switch sets the cookie
``lang=en``) opened ``/api/items/unit/…/history`` with ``Accept: text/html`` and got the
page in Chinese: the workflow's language rule read ``?lang`` then ``Accept-Language``,
the catalogue's ``?lang`` then the cookie. Now one rule (registry/negotiation.py:
``?lang`` → cookie ``lang`` → ``Accept-Language`` → the default) serves every page.
"""

from __future__ import annotations

import re

import pytest

from workflow.conftest import unit_ttl

PAGES = ["/api/items/unit/ICT-SD-309/history", "/api/items/unit/ICT-SD-309/diff?from=1&to=2", "/unit/ICT-SD-309/v/1",
         "/unit/ICT-SD-309"]


def _lang(html: str) -> str:
    return re.search(r'<html[^>]*\blang="([a-z]+)', html).group(1)


@pytest.fixture
def two_versions(env):
    env.publish(unit_ttl())
    env.publish(unit_ttl(statement="第二版的说明。"))
    return env


@pytest.mark.parametrize("path", PAGES)
def test_the_cookie_chooses_the_language_of_every_page(two_versions, path):
    client = two_versions.client
    client.cookies.set("lang", "en")
    try:
        r = client.get(path, headers={"Accept": "text/html"})
        assert r.status_code == 200 and _lang(r.text) == "en"
        # ?lang still wins over the cookie
        r = client.get(path + ("&" if "?" in path else "?") + "lang=zh", headers={"Accept": "text/html"})
        assert _lang(r.text) == "zh"
    finally:
        client.cookies.clear()


@pytest.mark.parametrize("path", PAGES)
def test_accept_language_then_the_default(two_versions, path):
    client = two_versions.client
    r = client.get(path, headers={"Accept": "text/html", "Accept-Language": "en-GB,en;q=0.9,zh;q=0.5"})
    assert _lang(r.text) == "en"
    assert _lang(client.get(path, headers={"Accept": "text/html", "Accept-Language": "zh-CN"}).text) == "zh"
    assert _lang(client.get(path, headers={"Accept": "text/html"}).text) == "zh"  # settings.default_lang
    # the cookie wins over Accept-Language
    client.cookies.set("lang", "zh")
    try:
        assert _lang(client.get(path, headers={"Accept": "text/html", "Accept-Language": "en"}).text) == "zh"
    finally:
        client.cookies.clear()
