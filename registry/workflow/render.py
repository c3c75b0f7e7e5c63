"""HTML pages of the workflow (history, diff, version), rendered with autoescaped Jinja.

The pages extend the catalogue's ``site/templates/layout.html`` (blocks ``title``
and ``content``; context ``lang`` and ``t``) when it exists, and a minimal
stand-alone layout otherwise.
"""

from __future__ import annotations

from functools import lru_cache

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from .. import resources

TEMPLATES = resources.site_templates()  # packaged or the checkout's (registry/resources.py)

WORDS = {
    "history": ("版本历史", "Version history"),
    "version": ("版本", "Version"),
    "time": ("时间", "Time"),
    "status": ("状态", "Status"),
    "org": ("机构", "Organisation"),
    "note": ("说明", "Note"),
    "compare": ("与上一版比较", "Compare with previous"),
    "diff": ("版本比较", "Differences"),
    "added": ("新增的三元组", "Added triples"),
    "removed": ("删除的三元组", "Removed triples"),
    "changes": ("修改内容", "Changes"),
    "no_changes": ("没有修改", "No changes"),
    "item": ("条目", "Item"),
    "latest": ("最新版本", "Latest version"),
    "old_version": ("这是一个旧版本，不是最新的已发布内容。", "This is an old version, not the latest published content."),
    "data": ("数据（Turtle）", "Data (Turtle)"),
    "formats": ("其他格式", "Other formats"),
}


def _words(lang: str):
    idx = 1 if lang == "en" else 0

    def tw(key: str) -> str:
        return WORDS[key][idx]

    return tw


@lru_cache(maxsize=1)
def environment() -> Environment:
    """Stand-alone environment, used only when the catalogue's renderer is not available."""
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))


def render(template: str, request, lang: str, headers: dict | None = None, **context) -> HTMLResponse:
    """An HTML page: the catalogue's ``render_page`` (shared layout) when present, else stand-alone."""
    here = request.url.path.lstrip("/")
    query = dict(request.query_params)
    try:
        from ..catalogue.render import render_page
        from ..catalogue.urls import IriMap, LiveUrls
    except ImportError:  # pragma: no cover - the catalogue is part of the registry
        html = environment().get_template(template).render(
            layout="workflow/standalone.html", lang=lang, t=lambda k, **v: k, tw=_words(lang), **context)
    else:
        base = request.app.state.ctx.settings.base_iri
        html = render_page(template, lang=lang, urls=LiveUrls(IriMap(base), lang), layout="layout.html",
                           tw=_words(lang), here=here, query=query, kind="workflow", **context)
    return HTMLResponse(html, headers={**(headers or {}), "Vary": "Accept, Accept-Language"})
