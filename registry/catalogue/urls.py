"""Where things are: data IRIs ↔ served paths, and links for the live server or the static build.

A page is named by its *site path* ("" for home, "unit/ICT-SD-301", "standards").
``LiveUrls`` gives root-relative links (``/unit/ICT-SD-301``); ``StaticUrls`` gives
links relative to the page being written (``../unit/ICT-SD-301.html``), so the built
site works from any folder of any static host (and from ``file://``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote as _quote, urlencode

from markupsafe import Markup, escape

KEEP_BADGE = ("stable", "experimental")


@lru_cache(maxsize=200_000)
def quote(path: str, safe: str = "/") -> str:
    return _quote(path, safe=safe)

_UNIT_PART = re.compile(r"^(unit/[^/]+)/(outcome/[^/]+|credit)$")
_BAD_IRI_CHARS = re.compile(r'[\s<>"{}|\\^`\x00-\x1f\x7f]')  # RFC 3987: no controls, spaces or these delimiters

# --- the link policy ------------------------------------------------------------------------
#: URI schemes the catalogue links to. Anything else (javascript:, data:, vbscript:, file:, urn:, …)
#: is shown as text, never as a link: a data IRI is author input.
LINK_SCHEMES = frozenset({"http", "https"})
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
#: browsers drop C0 controls and spaces around a URL and tabs/newlines inside it ("java\tscript:"
#: is javascript:), so a value holding any of them is never a link
_CONTROL = re.compile(r"[\x00-\x20\x7f]")


def safe_href(url) -> str | None:
    """The one gate every link of the catalogue goes through (live pages and the static build):
    ``url`` itself when it is an absolute http(s) URL or a scheme-less relative reference (the
    links we build: ``/unit/…``, ``../unit/….html``, ``#…``, ``?…``), else ``None``."""
    if not url or type(url) not in (str, Markup) or _CONTROL.search(url):
        return None
    m = _SCHEME.match(url)
    if m is None:
        return str(url)
    return str(url) if m.group(1).lower() in LINK_SCHEMES else None


def href_attr(url) -> Markup:
    """`` href="…"`` (escaped) when ``url`` passes ``safe_href``, else nothing: ``<a{{ x | href }}>``
    then renders a plain-text ``<a>`` without a target, which cannot be followed."""
    h = safe_href(url)
    return Markup(f' href="{escape(h)}"') if h is not None else Markup("")


class IriMap:
    """The configured base IRI of the data and the served root path."""

    def __init__(self, base_iri: str):
        self.base = base_iri if base_iri.endswith("/") else base_iri + "/"

    def path_of(self, iri: str) -> str | None:
        """Site path of a data IRI we mint (``None`` for external IRIs)."""
        if iri.startswith(self.base):
            return iri[len(self.base):]
        if iri + "/" == self.base:
            return ""
        return None

    def iri_of(self, path: str) -> str | None:
        """Data IRI of a served path (``None`` when the path cannot be an IRI we mint)."""
        path = path.strip("/")
        if not path or _BAD_IRI_CHARS.search(path):
            return None
        return self.base + path


class Urls:
    """Link builder used by the templates (``u``)."""

    static = False
    #: whether the RDF data files exist (a static build made with --no-data has none)
    data_files = True
    #: relative prefixes of a static page to its language tree and to the site root ("" when live)
    up = ""
    root_up = ""

    def __init__(self, iris: IriMap, lang: str = "zh"):
        self.iris = iris
        self.lang = lang

    def iri(self, iri: str, fmt: str | None = None) -> str | None:
        """Link to the page (or an RDF format) of a data IRI; an external IRI is returned as it is
        when it may be linked (``safe_href``: http/https), else ``None`` (show it as text)."""
        path = self.iris.path_of(iri)
        if path is None:
            return safe_href(iri)
        return self.page(path, fmt=fmt)

    def href(self, iri: str, fmt: str | None = None) -> Markup:
        """`` href="…"`` for a data IRI (see ``iri``), or nothing when it may not be linked.
        (``iri`` returns only links we built or ones ``safe_href`` passed: no second check.)"""
        h = self.iri(iri, fmt)
        return Markup(f' href="{escape(h)}"') if h else Markup("")

    def page(self, path: str, *, fmt: str | None = None, page: int = 1, query: dict | None = None) -> str:
        raise NotImplementedError

    # --- small HTML pieces used on every page (Python, not Jinja macros: they are hot) ------
    # Built with escape() + f-strings: ``Markup % args`` is several times slower.
    @staticmethod
    def lbl(x, tag: str = "span") -> Markup:
        """Author text with its language: ``<span lang="zh">…</span>`` (escaped)."""
        if not x:
            return Markup("")
        return Markup(f'<{tag} lang="{escape(x[1])}">{escape(x[0])}</{tag}>')

    @staticmethod
    def badge(key: str, label=None) -> Markup:
        if label:
            return Markup(f'<span class="badge badge-{escape(key)}"><span lang="{escape(label[1])}">'
                          f'{escape(label[0])}</span></span>')
        return Markup(f'<span class="badge badge-{escape(key)}">{escape(key)}</span>')

    def ref(self, r, code: bool = True) -> Markup:
        """A link to a resource: code, label (with lang) and a badge when it is not current."""
        if not r:
            return Markup("")
        lab = r["label"]
        c = r.get("code")
        code_html = f'<span class="code">{escape(c)}</span> ' if code and c else ""
        out = (f'<a{self.href(r["iri"])}>{code_html}<span lang="{escape(lab[1])}">'
               f'{escape(lab[0])}</span></a>')
        st = r.get("status")
        if st and st not in KEEP_BADGE:
            out += " " + self.badge(st)
        return Markup(out)

    def asset(self, name: str) -> str:
        raise NotImplementedError

    def downloads(self, iri: str, label: str) -> Markup:
        """The list of download links (every RDF format) of an IRI."""
        from .rdf import FORMAT_NAMES, SUFFIXES

        if not self.data_files:
            return Markup("")
        items = "".join(f'<li><a{self.href(iri, suffix)} type="{mt}" download>{FORMAT_NAMES[mt]}</a></li>'
                        for suffix, mt in SUFFIXES.items())
        return Markup(f'<ul class="downloads" aria-label="{escape(label)}">{items}</ul>')


class LiveUrls(Urls):
    """Root-relative links for ``registry serve``."""

    def page(self, path: str, *, fmt: str | None = None, page: int = 1, query: dict | None = None) -> str:
        url = "/" + quote(path, safe="/-_.~")
        if fmt:
            url += "." + fmt
        q = dict(query or {})
        if page > 1:
            q["page"] = page
        if q:
            url += "?" + urlencode(q, doseq=True)
        return url

    def asset(self, name: str) -> str:
        return "/static/" + name

    def switch_lang(self, path: str, query: dict | None, lang: str) -> str:
        q = {k: v for k, v in (query or {}).items() if k != "lang"}
        q["lang"] = lang
        return "/" + quote(path, safe="/-_.~") + "?" + urlencode(q, doseq=True)


#: ``StaticUrls.iri`` answers (cleared when ``StaticUrls.known`` changes or it grows past the bound)
_LINKS: dict = {"known": None, "map": {}}
_LINKS_MAX = 100_000


class StaticUrls(Urls):
    """Links relative to the page being written, for the static build.

    Language trees: the default language at the output root, the other under ``{lang}/``.
    """

    static = True
    #: site paths that have a page in this build (set by the builder); other IRIs of ours are
    #: linked by their permanent identifier instead of a local file that does not exist
    known: set | frozenset | None = None

    def __init__(self, iris: IriMap, lang: str, current: str, *, default_lang: str = "zh", current_page: int = 1,
                 data_files: bool = True):
        super().__init__(iris, lang)
        self.data_files = data_files
        self.default_lang = default_lang
        self.current = current  # site path of the page being written
        self.current_page = current_page
        depth = current.count("/") if current else 0
        self.up = "../" * depth
        self.root_up = self.up + ("../" if lang != default_lang else "")

    @staticmethod
    def file_of(path: str, *, fmt: str | None = None, page: int = 1) -> str:
        """Output file (relative to the language root) for a site path."""
        if not path:
            name = "index"
        else:
            name = path
        if page > 1:
            name += f"-p{page}"
        return f"{name}.{fmt or 'html'}"

    def iri(self, iri: str, fmt: str | None = None) -> str | None:
        # memoised per (IRI, format, folder depth, language tree): the same levels, standards, areas
        # and code-list entries are linked from thousands of pages. The answer depends only on those
        # and on ``known``; the membership test is repeated on a hit, so whoever records what a page
        # reads (``build.track``) still sees it.
        known = self.known
        if known is not None and not isinstance(known, frozenset):
            _LINKS["known"] = None  # a mutable set: nothing is memoised
            return self._resolve(iri, fmt, known)[0]
        cache = _LINKS["map"]
        if _LINKS["known"] is not known or len(cache) > _LINKS_MAX:
            cache = _LINKS["map"] = {}
            _LINKS["known"] = known
        key = (iri, fmt, self.up, self.root_up, self.iris.base)
        hit = cache.get(key)
        if hit is not None:
            if hit[1] is not None:
                hit[1] in known  # noqa: B015 (a recorded read, see above)
            return hit[0]
        hit = cache[key] = self._resolve(iri, fmt, known)
        return hit[0]

    def _resolve(self, iri: str, fmt: str | None, known) -> tuple[str | None, str | None]:
        """(link, the path whose presence in ``known`` decided it, if one did)."""
        checked = None
        path = self.iris.path_of(iri)
        if path is None:
            url = safe_href(iri)
        else:
            m = _UNIT_PART.match(path)
            if m and not fmt:  # parts of a unit are shown on the unit page
                if known is not None:
                    checked = m.group(1)
                if known is not None and checked not in known:
                    url = safe_href(iri)
                else:
                    url = self.page(m.group(1)) + "#" + m.group(2).replace("/", "-")
            else:
                if known is not None:
                    checked = path
                if known is not None and path not in known:
                    url = safe_href(iri)
                else:
                    url = self.page(path, fmt=fmt)
        return url, checked

    def page(self, path: str, *, fmt: str | None = None, page: int = 1, query: dict | None = None) -> str:
        if fmt:  # data files are written once, in the default-language tree
            return self.root_up + quote(self.file_of(path, fmt=fmt), safe="/-_.~")
        url = self.up + quote(self.file_of(path, page=page), safe="/-_.~")
        if query:
            url += "?" + urlencode(query, doseq=True)
        return url

    def asset(self, name: str) -> str:
        return self.root_up + "static/" + name

    def switch_lang(self, path: str, query: dict | None, lang: str) -> str:
        target = self.file_of(self.current, page=self.current_page)
        if lang == self.default_lang:
            return self.root_up + target
        return self.root_up + lang + "/" + target
