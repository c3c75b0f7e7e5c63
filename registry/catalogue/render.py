"""The Jinja2 environment of the catalogue (templates in ``site/templates``, autoescape on).

Both the live server and the static build render through ``render_page`` so they
show the same thing. Other modules (e.g. the workflow's history pages) extend
``layout.html`` and render with ``render_page(name, lang=..., urls=..., **context)``.
"""

from __future__ import annotations

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
    return environment().get_template(template).render(
        lang=lang, t=i18n.translator(lang), T=i18n.table(lang), u=urls, static_site=urls.static, **context)
