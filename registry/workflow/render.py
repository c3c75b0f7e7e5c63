"""HTML pages of the workflow (history, diff, version), rendered with autoescaped Jinja.

The pages extend the catalogue's ``site/templates/layout.html`` (blocks ``title``
and ``content``; context ``lang`` and ``t``).
"""

from __future__ import annotations

from fastapi.responses import HTMLResponse

from ..catalogue.render import render_page
from ..catalogue.urls import IriMap, LiveUrls

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


def render(template: str, request, lang: str, headers: dict | None = None, **context) -> HTMLResponse:
    """An HTML page in the catalogue's shared layout (``render_page``)."""
    here = request.url.path.lstrip("/")
    query = dict(request.query_params)
    base = request.app.state.ctx.settings.base_iri
    html = render_page(template, lang=lang, urls=LiveUrls(IriMap(base), lang), layout="layout.html",
                       tw=_words(lang), here=here, query=query, kind="workflow", **context)
    return HTMLResponse(html, headers={**(headers or {}), "Vary": "Accept, Cookie, Accept-Language"})
