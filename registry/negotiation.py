"""Content and language negotiation: the rules every route follows.

* :func:`negotiate` — the one ``Accept`` parser and matcher (RFC 9110 §12.5.1): q-values,
  wildcards (``*/*``, ``text/*``), specificity; media-type parameters other than ``q``
  are ignored for matching (``text/turtle;charset=utf-8`` matches ``text/turtle``).
* :func:`choose` / :func:`choose_for` — the media choice of a resource, in this order:
  an IRI suffix (``.ttl .jsonld .rdf .nt .html``), ``?_mediatype=``, ``?_format=``, then
  ``Accept``. The first explicit choice decides (an explicit choice that is not offered is
  not acceptable: 406). Item IRIs, version IRIs ``{item}/v/{n}``, the catalogue pages, the
  workflow's history and diff and the SPARQL descriptions all use it; RDF syntaxes, their
  aliases, suffixes and tokens come from :mod:`registry.formats`.
* :func:`language` — the language of what is shown: ``?lang`` → cookie ``lang`` →
  ``Accept-Language`` → ``settings.default_lang``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from . import formats
from .formats import RdfSyntax

# --- the Accept parser --------------------------------------------------------------------------


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float
    order: int

    @property
    def specificity(self) -> int:
        return (self.type != "*") + (self.subtype != "*")

    def matches(self, media_type: str) -> bool:
        t, _, s = media_type.partition("/")
        return (self.type in ("*", t)) and (self.subtype in ("*", s))


def _q(fields: Sequence[str]) -> float:
    for f in fields:
        k, _, v = f.partition("=")
        if k.strip().lower() == "q":
            try:
                return max(0.0, min(1.0, float(v.strip())))
            except ValueError:
                return 0.0
    return 1.0


def parse_accept(header: str | None) -> list[MediaRange]:
    """Parse an Accept header into media ranges (invalid parts are skipped)."""
    if not header:
        return []
    ranges = []
    for i, part in enumerate(header.split(",")):
        part = part.strip()
        if not part:
            continue
        fields = [f.strip() for f in part.split(";")]
        mt = fields[0].lower()
        if mt == "*":
            mt = "*/*"
        if "/" not in mt:
            continue
        t, s = mt.split("/", 1)
        ranges.append(MediaRange(t, s, _q(fields[1:]), i))
    return ranges


def quality(ranges: list[MediaRange], media_type: str) -> float:
    """The q-value the client gives ``media_type``: that of the most specific matching range."""
    best = None
    for r in ranges:
        if r.matches(media_type) and (best is None or r.specificity > best.specificity):
            best = r
    return 0.0 if best is None else best.q


def negotiate(accept: str | None, offered: list[str], default: str | None = None) -> str | None:
    """Best media type of ``offered`` for ``accept``; ``default`` (or the first offer) when no header.

    Returns ``None`` when nothing offered is acceptable (the caller answers 406).
    Ties on q go to the client's order of ranges, then to the server's order of offers.
    """
    ranges = parse_accept(accept)
    if not ranges:
        return default or (offered[0] if offered else None)
    scored = []
    for idx, mt in enumerate(offered):
        q = quality(ranges, mt)
        if q <= 0:
            continue
        exact = min((r.order for r in ranges if r.matches(mt) and r.specificity == 2), default=len(ranges))
        scored.append((-q, exact, idx, mt))
    if not scored:
        return None
    scored.sort()
    best = scored[0]
    # a bare */* (or equal-q wildcard) request gets the server's default, not simply the first offer
    if default and default in offered:
        dq = quality(ranges, default)
        if dq == -best[0] and best[1] == len(ranges):
            return default
    return best[3]


# --- what a resource can be answered as -----------------------------------------------------------


@dataclass(frozen=True)
class Offer:
    """One representation a route can send, with every way a client may ask for it."""

    #: the media type we send (and match ``Accept`` against)
    media_type: str
    #: other media types that ask for this representation (``Accept`` and ``?_mediatype=``)
    aliases: tuple[str, ...] = ()
    #: ``?_format=`` tokens
    tokens: tuple[str, ...] = ()
    #: IRI suffixes without the dot (``.ttl`` …)
    suffixes: tuple[str, ...] = ()
    #: the RDF syntax, for RDF representations
    syntax: RdfSyntax | None = None

    @property
    def content_type(self) -> str:
        return self.media_type + "; charset=utf-8"


def rdf_offer(syntax: RdfSyntax) -> Offer:
    """An RDF syntax as an offer; only its published suffix (``ttl``, not ``owl``) is an IRI suffix."""
    return Offer(syntax.media_type, syntax.aliases, syntax.tokens, (syntax.suffix,), syntax)


HTML = Offer("text/html", ("application/xhtml+xml",), ("html",), ("html",))
JSON = Offer("application/json", (), ("json",))
TEXT = Offer("text/plain")
TURTLE = rdf_offer(formats.TURTLE)
#: the RDF descriptions of one item or version (triples), in the order of download links
RDF = tuple(rdf_offer(f) for f in formats.TRIPLE_FORMATS)
#: the RDF descriptions of the whole dataset and the service (quads allowed)
RDF_DATASET = tuple(rdf_offer(f) for f in formats.FORMATS)
#: what an item IRI and a version IRI answer with
ITEM = (HTML, *RDF)
#: IRI suffixes the linked-data routes split off a path (``/unit/X.ttl``)
SUFFIXES: dict[str, Offer] = {s: o for o in ITEM for s in o.suffixes}


@dataclass(frozen=True)
class Choice:
    """The outcome of :func:`choose`: the offer (None: not acceptable) and whether the client named it."""

    offer: Offer | None
    explicit: bool

    @property
    def media_type(self) -> str | None:
        return self.offer.media_type if self.offer else None


def split_suffix(path: str) -> tuple[str, str | None]:
    """``("unit/X", "ttl")`` for ``unit/X.ttl``; the path unchanged and None without a known suffix."""
    base, dot, ext = path.rpartition(".")
    if dot and "/" not in ext and ext in SUFFIXES:
        return base, ext
    return path, None


def choose(offers: Sequence[Offer], *, suffix: str | None = None, mediatype: str | None = None,
           format: str | None = None, accept: str | None = None, default: Offer | None = None) -> Choice:
    """The representation to send: suffix → ``?_mediatype=`` → ``?_format=`` → ``Accept``.

    ``default`` (else the first offer) answers a request without ``Accept`` or with only
    wildcards. Among several offers sharing a media type or token, the first listed wins.
    """
    if suffix is not None:
        s = suffix.lstrip(".").lower()
        return Choice(next((o for o in offers if s in o.suffixes), None), True)
    if mediatype is not None:
        mt = formats.bare_media_type(mediatype)
        return Choice(next((o for o in offers if mt == o.media_type or mt in o.aliases), None), True)
    if format is not None:
        token = format.strip().lower()
        return Choice(next((o for o in offers if token in o.tokens), None), True)
    by_type: dict[str, Offer] = {}
    for o in offers:
        by_type.setdefault(o.media_type, o)
    for o in offers:
        for alias in o.aliases:
            by_type.setdefault(alias, o)
    default = default or (offers[0] if offers else None)
    mt = negotiate(accept, list(by_type), default.media_type if default else None)
    return Choice(by_type.get(mt) if mt else None, False)


def choose_for(request, offers: Sequence[Offer], *, suffix: str | None = None,
               default: Offer | None = None) -> Choice:
    """:func:`choose` with the query parameters and ``Accept`` header of a Starlette request."""
    qp = request.query_params
    return choose(offers, suffix=suffix, mediatype=qp.get("_mediatype"), format=qp.get("_format"),
                  accept=request.headers.get("accept"), default=default)


# --- the language rule ----------------------------------------------------------------------------

LANGS = ("zh", "en")
LANG_COOKIE = "lang"


def _lang_tag(value: str | None) -> str | None:
    """``zh``/``en`` from a tag (``zh-CN`` → ``zh``, ``EN`` → ``en``); None for anything else."""
    if value:
        v = value.strip().lower()[:2]
        if v in LANGS:
            return v
    return None


def accept_language(header: str | None) -> str | None:
    """The client's preferred one of zh/en by ``Accept-Language`` q-values (ties: header order); or None."""
    best, best_q = None, 0.0
    for part in (header or "").split(","):
        fields = [f.strip() for f in part.split(";")]
        tag = _lang_tag(fields[0]) if fields[0] != "*" else None
        q = _q(fields[1:])
        if tag and q > best_q:
            best, best_q = tag, q
    return best


@dataclass(frozen=True)
class Language:
    """The chosen language and whether ``?lang`` chose it (the catalogue then remembers it in a cookie)."""

    lang: str
    from_query: bool


def language(query: Mapping[str, str], cookies: Mapping[str, str], accept_lang: str | None,
             default: str) -> Language:
    """``?lang`` → cookie ``lang`` → ``Accept-Language`` → ``default`` (only zh and en exist)."""
    q = _lang_tag(query.get("lang"))
    if q:
        return Language(q, True)
    lang = _lang_tag(cookies.get(LANG_COOKIE)) or accept_language(accept_lang) or _lang_tag(default) or LANGS[0]
    return Language(lang, False)


def language_of(request, default: str) -> Language:
    """:func:`language` for a Starlette request."""
    return language(request.query_params, request.cookies, request.headers.get("accept-language"), default)


#: what a page's language depends on (for ``Vary``)
LANGUAGE_VARY = "Cookie, Accept-Language"


# --- profile negotiation (W3C "Content Negotiation by Profile", HTTP and QSA realisations) -------

#: the ``?_profile=`` value that asks for the list of profiles and media types offered
ALT = "alt"
#: what an answer negotiated by profile depends on (for ``Vary``)
PROFILE_VARY = "Accept-Profile"


@dataclass(frozen=True)
class ProfileRange:
    """One entry of ``Accept-Profile``: a profile IRI (angle brackets stripped) or token, its q-value."""

    profile: str
    q: float
    order: int


def parse_accept_profile(header: str | None) -> list[ProfileRange]:
    """Parse ``Accept-Profile`` (``<iri>;q=0.9, <iri2>``); bare tokens are kept too, empty parts skipped.

    Commas inside angle brackets do not split (an IRI may contain one).
    """
    if not header:
        return []
    parts, buf, inside = [], [], False
    for ch in header:
        if ch == "<":
            inside = True
        elif ch == ">":
            inside = False
        if ch == "," and not inside:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    parts.append("".join(buf))
    out = []
    for i, part in enumerate(parts):
        part = part.strip()
        if not part:
            continue
        if part.startswith("<"):
            iri, _, rest = part[1:].partition(">")
            fields = [f.strip() for f in rest.split(";")[1:]]
        else:
            iri, *fields = [f.strip() for f in part.split(";")]
        iri = iri.strip()
        if iri:
            out.append(ProfileRange(iri, _q(fields), i))
    return out


@dataclass(frozen=True)
class ProfileChoice:
    """The profile to answer in: ``token`` (the default when the client asked for none), ``alt`` for
    the list of alternates, ``explicit`` when the client named it, ``unknown`` what it asked for that
    is not offered (the caller refuses: 400 for ``_profile``, 406 for ``Accept-Profile``)."""

    token: str
    alt: bool = False
    explicit: bool = False
    unknown: str | None = None
    source: str | None = None  # "query" or "header"


def choose_profile(query_value: str | None, accept_profile: str | None, offered: Mapping[str, str],
                   default: str) -> ProfileChoice:
    """``?_profile=`` (token or IRI, or ``alt``) first, then ``Accept-Profile`` (q-values), else ``default``.

    ``offered`` maps each profile token to its IRI. Among the ``Accept-Profile`` entries, the offered
    one with the highest q (ties: the client's order) wins; a header naming only profiles we do not
    offer (or all with q=0) is not acceptable.
    """
    by_iri = {iri: tok for tok, iri in offered.items()}
    if query_value is not None:
        v = query_value.strip()
        if v == ALT:
            return ProfileChoice(default, alt=True, explicit=True, source="query")
        tok = v if v in offered else by_iri.get(v)
        if tok is None:
            return ProfileChoice(default, explicit=True, unknown=v, source="query")
        return ProfileChoice(tok, explicit=True, source="query")
    ranges = parse_accept_profile(accept_profile)
    if not ranges:
        return ProfileChoice(default)
    scored = []
    for r in ranges:
        tok = by_iri.get(r.profile) or (r.profile if r.profile in offered else None)
        if tok is not None and r.q > 0:
            scored.append((-r.q, r.order, tok))
    if not scored:
        return ProfileChoice(default, explicit=True, unknown=ranges[0].profile, source="header")
    scored.sort()
    return ProfileChoice(scored[0][2], explicit=True, source="header")


def choose_profile_for(request, offered: Mapping[str, str], default: str) -> ProfileChoice:
    """:func:`choose_profile` with ``?_profile=`` and ``Accept-Profile`` of a Starlette request."""
    return choose_profile(request.query_params.get("_profile"), request.headers.get("accept-profile"),
                          offered, default)


def accept_params(header: str | None, media_type: str) -> list[dict[str, str]]:
    """The parameters (``q`` excluded, names lower-cased, quotes removed) of each ``Accept`` range that
    names ``media_type`` exactly, most preferred first: for ``application/ld+json;profile="…"``."""
    out = []
    for i, part in enumerate((header or "").split(",")):
        fields = [f.strip() for f in part.split(";")]
        if fields[0].lower() != media_type:
            continue
        params = {}
        for f in fields[1:]:
            k, _, v = f.partition("=")
            params[k.strip().lower()] = v.strip().strip('"')
        q = _q(fields[1:])
        if q > 0:
            params.pop("q", None)
            out.append((-q, i, params))
    return [p for _, _, p in sorted(out, key=lambda x: (x[0], x[1]))]


def jsonld_form(accept: str | None, forms: Sequence[str]) -> str | None:
    """The JSON-LD form (one of ``forms``: the ``profile`` IRIs of JSON-LD 1.1 §9.1) asked for in
    ``Accept: application/ld+json;profile="…"`` (a space-separated list is allowed); None if none is."""
    for params in accept_params(accept, "application/ld+json"):
        for iri in params.get("profile", "").split():
            if iri in forms:
                return iri
    return None


def link_header(target: str, rel: str, **params: str) -> str:
    """One ``Link`` value: ``<target>; rel="rel"; k="v"`` (parameter names with ``_`` as ``-``)."""
    extra = "".join(f'; {k.replace("_", "-")}="{v}"' for k, v in params.items())
    return f'<{target}>; rel="{rel}"{extra}'
