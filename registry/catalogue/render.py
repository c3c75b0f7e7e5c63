"""The Jinja2 environment of the catalogue (templates in ``site/templates``, autoescape on).

Both the live server and the static build render through ``render_page`` so they
show the same thing. Other modules (e.g. the workflow's history pages) extend
``layout.html`` and render with ``render_page(name, lang=..., urls=..., **context)``.
"""

from __future__ import annotations

import re
import types
from functools import lru_cache

import jinja2
import markupsafe
from markupsafe import Markup, escape
from markupsafe._speedups import _escape_inner

from .. import resources
from . import i18n
from .rdf import FORMAT_NAMES, SUFFIXES, script_json

TEMPLATES = resources.site_templates()  # packaged or the checkout's (registry/resources.py)
STATIC = resources.site_static()

#: catalogue list pages: site path -> interface string key
SECTIONS = {
    "": "nav.home", "frameworks": "framework.list", "standards": "nav.standards",
    "vocabularies": "nav.vocabularies", "organisations": "nav.organisations", "achievements": "nav.achievements",
    "transfer-rules": "nav.transfer_rules", "search": "nav.search",
}


def _ld(doc) -> Markup:
    """JSON-LD for a script element (``<``, ``>``, ``&`` escaped as JSON unicode escapes);
    an already prepared ``Markup`` (see ``ld_markup``) is used as it is."""
    if isinstance(doc, Markup):
        return doc
    return Markup(script_json(doc))


def ld_markup(doc, text: str | None = None) -> Markup:
    """Prepare embedded JSON-LD once for several renderings (e.g. both languages of a page);
    ``text`` is ``rdf.jsonld_text(doc)`` when the caller already serialised it."""
    return Markup(script_json(doc, text))


_CHROME: dict = {}


def _chrome(name: str, urls, lang: str) -> str:
    key = (name, lang, urls.static, urls.up, urls.root_up)
    html = _CHROME.get(key)
    if html is None:
        html = _CHROME[key] = environment().get_template(name).render(
            lang=lang, t=i18n.translator(lang), u=urls, static_site=urls.static)
    return html


def chrome_header(urls, lang: str, switch_href: str) -> Markup:
    """The site header and navigation: rendered once per language and folder depth, then reused."""
    return Markup(_chrome("_header.html", urls, lang).replace("@@SWITCH@@", str(escape(switch_href)), 1))


def chrome_footer(urls, lang: str) -> Markup:
    return Markup(_chrome("_footer.html", urls, lang))


_new_str = str.__new__


def _fast_escape(s) -> Markup:
    """``markupsafe.escape`` with the same result, minus its per-call overhead in the two cases
    that make up nearly every ``{{ … }}`` of a page: an already safe ``Markup`` is returned as it
    is (it is immutable; ``escape`` would copy it through ``Markup.__new__``), and a plain
    ``str`` is escaped by markupsafe's own C function and wrapped without ``Markup.__new__``'s
    Python-level checks. Anything else goes to ``markupsafe.escape``."""
    cls = type(s)
    if cls is Markup:
        return s
    if cls is str:
        return _new_str(Markup, _escape_inner(s))
    return markupsafe.escape(s)


class _Template(jinja2.Template):
    """Templates whose compiled code autoescapes output with ``_fast_escape`` (build-site renders
    hundreds of thousands of pages; escaping was ~10 % of its time)."""

    @classmethod
    def _from_namespace(cls, environment, namespace, globals):
        if namespace.get("escape") is markupsafe.escape:
            namespace["escape"] = _fast_escape
        return super()._from_namespace(environment, namespace, globals)


_PLAIN_CALLABLES = frozenset({types.FunctionType, types.MethodType, types.BuiltinFunctionType,
                              types.BuiltinMethodType})


class _Context(jinja2.runtime.Context):
    """Jinja's context with a shorter path for the calls templates make thousands of times per page
    (``u.lbl(…)``, ``t(…)``): a plain function or method without Jinja's ``pass_context`` /
    ``pass_environment`` marker is called directly, exactly as ``Context.call`` would after its
    checks; anything else goes through ``Context.call``."""

    def call(__self, __obj, *args, **kwargs):  # noqa: N805 (Jinja's signature)
        if type(__obj) in _PLAIN_CALLABLES and not hasattr(__obj, "jinja_pass_arg"):
            if kwargs:
                kwargs.pop("_block_vars", None)
                kwargs.pop("_loop_vars", None)
            try:
                return __obj(*args, **kwargs)
            except StopIteration:
                return __self.environment.undefined(
                    "value was undefined because a callable raised a StopIteration exception")
        return super().call(__obj, *args, **kwargs)


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.template_class = _Template
    env.context_class = _Context
    env.filters["ld"] = _ld
    from .urls import href_attr

    # every computed link of a template is written <a{{ x | href }}> or <a{{ u.href(iri) }}>:
    # only http(s) and our own relative links get an href (urls.safe_href)
    env.filters["href"] = href_attr
    env.globals["SUFFIXES"] = SUFFIXES
    env.globals["FORMAT_NAMES"] = FORMAT_NAMES
    env.globals["SECTIONS"] = SECTIONS
    env.globals["static_site"] = False
    env.globals["chrome_header"] = chrome_header
    env.globals["chrome_footer"] = chrome_footer
    from ..namespaces import BASE
    from .urls import IriMap, LiveUrls

    env.globals["u"] = LiveUrls(IriMap(BASE))  # default links for callers that pass none
    return env


def render_page(template: str, *, lang: str, urls=None, **context) -> str:
    """Render ``template`` with the shared context (``lang``, ``t``, ``u``)."""
    if urls is None:
        from .urls import IriMap, LiveUrls
        from ..namespaces import BASE

        urls = LiveUrls(IriMap(BASE), lang)
    t, T = i18n.translator(lang), i18n.table(lang)
    if template == "unit.html":  # body in Python (see "the unit page in Python" below)
        p = context["p"]
        context["unit_title"] = unit_title(p)
        context["unit_content"] = unit_content(p, urls, lang, T, t)
        html = _framed(template, lang, urls, t, T, context)
        if html is not None:
            return html
    return environment().get_template(template).render(
        lang=lang, t=t, T=T, u=urls, static_site=urls.static, **context)


# --- layout.html as a frame with holes ------------------------------------------------------------
#
# layout.html around a unit page costs more than the page's content. Its output depends on the
# page only through a few values: the title and content blocks, the embedded JSON-LD, the
# alternate links, the breadcrumbs and the language switch link. So layout.html is rendered by
# Jinja once per *shape* (language, folder depth, kind of link builder, number and media types of
# the alternates, which breadcrumbs have a link and a language-tagged label, whether there is
# JSON-LD) with placeholders for those values; each page then fills the holes with its values,
# escaped as the template would escape them. Anything the frame cannot reproduce exactly (another
# context key, a link ``safe_href`` refuses) is rendered by Jinja as before. layout.html stays the
# one definition of the frame.

_HOLE = re.compile("\ue000(\\w+)\ue001")
_FRAMES: dict = {}
_FRAME_KEYS = frozenset({"p", "kind", "here", "crumbs", "alternates", "jsonld", "unit_title", "unit_content"})


def _hole(name: str) -> str:
    return f"\ue000{name}\ue001"


class _SwitchProxy:
    """The page's link builder, except that the language switch link is a hole."""

    def __init__(self, urls):
        self._urls = urls

    def __getattr__(self, name):
        return getattr(self._urls, name)

    def switch_lang(self, path, query, lang):
        return _hole("switch")


def _framed(template: str, lang: str, urls, t, T, context: dict) -> str | None:
    from .urls import safe_href

    if not context.keys() <= _FRAME_KEYS:
        return None
    alternates = context.get("alternates") or []
    crumbs = context.get("crumbs") or []
    jsonld = context.get("jsonld")
    values = {"title": context["unit_title"], "content": context["unit_content"]}
    alt_shape = []
    for i, alt in enumerate(alternates):
        if len(alt) != 2:
            return None
        h = safe_href(alt[0])
        if h is None:
            return None
        values[f"a{i}"] = _fast_escape(h)
        values[f"m{i}"] = _fast_escape(alt[1])
        alt_shape.append(alt[1])
    crumb_shape = []
    for i, c in enumerate(crumbs):
        if not isinstance(c, dict):
            return None
        href, label = c.get("href"), c.get("label")
        if href:
            h = safe_href(href)
            if h is None:
                return None
            values[f"h{i}"] = _fast_escape(h)
        if isinstance(label, str):
            values[f"l{i}"] = _fast_escape(label)
        elif isinstance(label, tuple) and len(label) == 2:
            values[f"l{i}t"], values[f"l{i}g"] = _fast_escape(label[0]), _fast_escape(label[1])
        else:
            return None
        crumb_shape.append((bool(href), isinstance(label, str)))
    if jsonld:
        values["jsonld"] = _ld(jsonld)
    key = (template, type(urls), lang, urls.static, urls.up, urls.root_up, context.get("kind"),
           "here" in context, tuple(alt_shape), tuple(crumb_shape), bool(jsonld))
    parts = _FRAMES.get(key)
    if parts is None:
        hole = lambda n: Markup(_hole(n))  # noqa: E731
        frame_ctx = {k: v for k, v in context.items() if k in ("kind", "here", "p")}
        frame_ctx["unit_title"], frame_ctx["unit_content"] = hole("title"), hole("content")
        frame_ctx["alternates"] = [(_hole(f"a{i}"), _hole(f"m{i}")) for i in range(len(alt_shape))]
        frame_ctx["crumbs"] = [
            {"href": _hole(f"h{i}") if has_href else None,
             "label": _hole(f"l{i}") if is_str else (_hole(f"l{i}t"), _hole(f"l{i}g"))}
            for i, (has_href, is_str) in enumerate(crumb_shape)]
        frame_ctx["jsonld"] = hole("jsonld") if jsonld else jsonld
        html = environment().get_template(template).render(
            lang=lang, t=t, T=T, u=_SwitchProxy(urls), static_site=urls.static, **frame_ctx)
        parts = _FRAMES[key] = _HOLE.split(html)
    values["switch"] = _fast_escape(urls.switch_lang(context.get("here", ""), {}, "en" if lang == "zh" else "zh"))
    out = parts[:]
    for i in range(1, len(out), 2):
        out[i] = values[out[i]]
    return "".join(out)


# --- the unit page in Python -------------------------------------------------------------------
#
# Unit pages are ~90 % of a static build's pages; rendering their body through Jinja was the
# largest single cost of ``registry build-site``. Their title and content are written here, once,
# for the live server and the static build alike (``site/templates/unit.html`` only places them in
# ``layout.html``, which stays the frame of every page). Every value is escaped exactly as Jinja's
# autoescape would (``_fast_escape``: ``None`` shows as "None", ``Markup`` is kept as it is), and all
# facts come from the view model ``p`` (``pages.unit_page``) and the link builder ``u``, so what a
# page reads is recorded as before (``build.track``). The whitespace is that of the former template
# (``trim_blocks``/``lstrip_blocks``); tests/site/test_unit_renderer.py compares it with a Jinja
# rendering of that template.

def unit_title(p) -> Markup:
    """``{% block title %}`` of a unit page: code and title text."""
    return _new_str(Markup, f"{_fast_escape(p.get('code'))} {_fast_escape(p['title'][0])}")


def unit_content(p, u, lang: str, T: dict, t) -> Markup:
    """``{% block content %}`` of a unit page."""
    e = _fast_escape
    lbl, ref = u.lbl, u.ref
    g = p.get
    code = e(g("code"))
    title = p["title"]
    title_html = lbl(title)
    standard, area, level, credit = g("standard"), g("area"), g("level"), g("credit")
    status, version, banner = g("status"), g("version"), g("banner")
    out = ['<article class="unit" aria-labelledby="unit-title">\n<header class="page-head">\n  <p class="kind">',
           e(T["type.Unit"])]
    if standard:
        out += [" · ", e(ref(standard))]
    out += ['</p>\n  <h1 id="unit-title"><span class="code">', code, '</span> ', e(title_html), '</h1>\n']
    for x in g("labels"):
        if x != title:
            out += ['<p class="other-label">', e(lbl(x)), '</p>']
    alt = g("alt")
    if alt:
        sep = e("、" if lang == "zh" else ", ")
        out += ['<p class="alt-labels">', e(T["field.alt_labels"]), ': ',
                sep.join(e(lbl(a)) for a in alt), '</p>']
    out.append('  <p class="head-status">')
    if status:
        out.append(e(u.badge(status.key, status.label)))
    if version:
        out += [' <span class="muted">', e(T["field.version"]), ' ', e(version), '</span>']
    if level:
        lab = level.label
        out += ['<a class="pill"', e(u.href(level.iri)), '><span lang="', e(lab[1]), '">', e(lab[0]), '</span></a>']
    if credit:
        out += ['<span class="pill">', e(credit.amount), ' ', e(T["unit.credits"]), '</span>']
    out.append('</p>\n</header>\n')
    if banner:
        out += ['<div class="banner banner-', e(banner.key), '" role="note">\n  <strong>',
                e(t("status.banner." + str(banner.key))), '</strong>\n']
        if banner.successor:
            out += [e(T["status.successor"]), ' ', e(ref(banner.successor))]
        out.append('</div>\n')
    out += ['<div class="layout-2">\n<div class="main-col">\n<section aria-labelledby="h-template">\n'
            '<h2 id="h-template">', e(T["unit.template"]), '</h2>\n<table class="template">\n  <tbody>\n'
            '    <tr><th scope="row">', e(T["field.name"]), '</th><td>', e(title_html), '</td></tr>\n'
            '    <tr><th scope="row">', e(T["field.code"]), '</th><td><span class="code">', code, '</span></td></tr>\n'
            '    <tr><th scope="row">', e(T["field.range"]), '</th><td>', e(lbl(g("range"))), '</td></tr>\n'
            '    <tr><th scope="row">', e(T["field.level"]), '</th><td>']
    if level:
        out.append(e(ref(level, code=False)))
    out += ['</td></tr>\n    <tr id="credit"><th scope="row">', e(T["field.credit"]), '</th><td>']
    if credit:
        out += ['<strong>', e(credit.amount), '</strong>']
        if credit.system:
            out += [' (', e(ref(credit.system, code=False)), ')']
        if credit.hours:
            out += ['; ', e(T["field.hours"]), ' ', e(credit.hours)]
    out += ['</td></tr>\n    <tr><th scope="row">', e(T["field.competency"]), '</th><td>', e(lbl(g("competency"))),
            '</td></tr>\n    <tr><th scope="row">', e(T["field.criteria"]), '</th><td>']
    criteria = g("criteria")
    if criteria:
        out.append('<ul>')
        for c in criteria:
            out += ['<li>', e(lbl(c)), '</li>']
        out.append('</ul>')
    out += ['</td></tr>\n    <tr><th scope="row">', e(T["field.remarks"]), '</th><td>']
    for r in g("remarks"):
        out += ['<p>', e(lbl(r)), '</p>']
    out += ['</td></tr>\n  </tbody>\n</table>\n</section>\n<section aria-labelledby="h-outcomes">\n'
            '<h2 id="h-outcomes">', e(T["field.outcomes"]), '</h2>\n<ol class="outcomes">\n']
    for o in g("outcomes"):
        out.append('  <li')
        if o.anchor:
            out += [' id="', e(o.anchor), '"']
        out += ['>', e(lbl(o.label))]
        if o.dimension:
            out += [' <span class="tag">', e(ref(o.dimension, code=False)), '</span>']
        out.append('</li>\n')
    out.append('</ol>\n</section>\n</div>\n<aside class="side-col">\n<dl class="facts">\n')
    if standard:
        out += ['<div><dt>', e(T["field.standard"]), '</dt><dd>', e(ref(standard)), '</dd></div>']
    if area:
        out += ['<div><dt>', e(T["field.area"]), '</dt><dd>', e(ref(area)), '</dd></div>']
    out += ['  <div><dt>', e(T["field.code"]), '</dt><dd><span class="code">', code, '</span></dd></div>\n']
    if status:
        out += ['<div><dt>', e(T["field.status"]), '</dt><dd>', e(u.badge(status.key, status.label)), '</dd></div>']
    if version:
        out += ['<div><dt>', e(T["field.version"]), '</dt><dd>', e(version), '</dd></div>']
    for key in ("issued", "modified"):
        d = g(key)
        if d:
            d = e(d)
            out += ['<div><dt>', e(T["field." + key]), '</dt><dd><time datetime="', d, '">', d, '</time></dd></div>']
    from .urls import href_attr
    for s in g("sources"):
        out += ['<div><dt>', e(T["field.source"]), '</dt><dd><a', e(href_attr(s)), ' rel="external">', e(s),
                '</a></dd></div>']
    out += ['  <div><dt>', e(T["field.iri"]), '</dt><dd><code class="iri">', e(g("iri")), '</code></dd></div>\n</dl>\n']
    out.append(recognition_html(p, u, t))
    out += ['<h2 class="h-small">', e(T["download"]), '</h2>\n', e(u.downloads(g("iri"), T["download"])),
            '\n</aside>\n</div>\n</article>\n']
    return _new_str(Markup, "".join(out))


def recognition_html(p, u, t) -> str:
    """``_recognition.html`` as the unit page includes it (the other pages include the template)."""
    rec = p.get("recognition")
    if not rec:
        return ""
    e = _fast_escape
    ref = u.ref
    rb, cf = rec.recognised_by, rec.counts_for
    out = ['<section class="recognition" id="recognition" aria-labelledby="recognition-h">\n'
           '  <h2 id="recognition-h">', e(t("recognition.title")), '</h2>\n']
    if not rb and not cf:
        out += ['<p class="muted">', e(t("recognition.none")), '</p>']
    for rows, head, col, code in ((rb, "recognition.recognised_by", "recognition.from", False),
                                  (cf, "recognition.counts_for", "recognition.to", True)):
        if not rows:
            continue
        out += ['  <h3 class="h-small">', e(t(head)), '</h3>\n'
                '  <table class="data"><thead><tr><th scope="col">', e(t("recognition.rule")),
                '</th><th scope="col">', e(t(col)), '</th></tr></thead>\n  <tbody>']
        for r in rows:
            out += ['<tr><td>', e(ref(r, True)), '</td><td>', ", ".join(e(ref(x, code)) for x in r.others),
                    '</td></tr>']
        out.append('</tbody></table>\n')
    out.append('</section>\n')
    return "".join(out)
