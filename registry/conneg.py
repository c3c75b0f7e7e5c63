"""HTTP content negotiation: one tested Accept parser used by every route.

``negotiate(accept, offered)`` picks the best of ``offered`` media types for an
``Accept`` header, honouring q-values, wildcards (``*/*``, ``text/*``) and
specificity (RFC 9110 §12.5.1). Media-type parameters other than ``q`` are
ignored for matching (``text/turtle;charset=utf-8`` matches ``text/turtle``).
"""

from __future__ import annotations

from dataclasses import dataclass


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
        q = 1.0
        for f in fields[1:]:
            k, _, v = f.partition("=")
            if k.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(v.strip())))
                except ValueError:
                    q = 0.0
        ranges.append(MediaRange(t, s, q, i))
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
