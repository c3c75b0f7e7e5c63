"""Search over labels, alternative/hidden labels and codes (zh and en), with one ranking rule.

Ranking (the same in ``site/static/search.js`` for the static build):

0. the code (``skos:notation``) equals the query;
1. a label or the code starts with the query;
2. a label or the code contains the query;

then preferred labels before alternative and hidden ones, shorter matches first,
then by code. Matching ignores case and width (NFKC + lower case). Filters:
type, level, sector and status. The index is rebuilt lazily when the store
generation changes, per changed item when the store says which items changed
(``SearchIndex.updated``, driven by ``service.Catalogue``).
"""

from __future__ import annotations

import bisect
import unicodedata
from collections import Counter
from dataclasses import dataclass

from . import labels as L
from .incremental import _GONE, derive
from .queries import C, CLASS_RANK, SiteData

FIELD_RANK = {"code": 0, "pref": 0, "alt": 1, "hidden": 2}
#: types offered in search (class IRI → short name used in filters and the JSON API)
SEARCH_TYPES = {
    C + "Unit": "Unit", C + "CompetencyStandard": "CompetencyStandard", C + "FunctionalArea": "FunctionalArea",
    C + "QualificationsFramework": "QualificationsFramework", C + "FrameworkLevel": "FrameworkLevel",
    C + "Sector": "Sector", C + "FieldOfStudy": "FieldOfStudy", C + "OutcomeType": "OutcomeType",
    C + "Dimension": "Dimension", C + "CreditSystem": "CreditSystem", C + "OrganisationRole": "OrganisationRole",
    C + "Organisation": "Organisation", C + "Achievement": "Achievement", C + "TransferRule": "TransferRule",
    C + "Qualification": "Qualification", C + "Occupation": "Occupation",
    "http://www.w3.org/2004/02/skos/core#ConceptScheme": "ConceptScheme",
    "http://www.w3.org/2004/02/skos/core#Concept": "Concept",
    "http://www.w3.org/2002/07/owl#Class": "Class",
    "http://www.w3.org/2002/07/owl#ObjectProperty": "Property",
    "http://www.w3.org/2002/07/owl#DatatypeProperty": "Property",
    "http://www.w3.org/2002/07/owl#AnnotationProperty": "Property",
    "http://www.w3.org/ns/shacl#NodeShape": "Shape",
}


def norm(text: str) -> str:
    """Case- and width-insensitive form used for matching (JS: ``s.normalize('NFKC').toLowerCase()``)."""
    return unicodedata.normalize("NFKC", text).lower().strip()


@dataclass
class Entry:
    iri: str
    type: str            # short type name
    type_iri: str
    code: str | None
    texts: list          # [(text, lang, field)] field: pref | alt | hidden
    level: str | None    # level notation
    sectors: list        # sector notations
    status: str | None   # status key (stable, superseded…)


def entry_of(site: SiteData, iri: str) -> Entry | None:
    """The search entry of ``iri`` (None: not searchable). It reads the facts of ``iri`` and of its
    level, area, standard and sectors (``incremental.search_dependents`` is the reverse)."""
    from .pages import STATUS_KEYS

    types = site.types.get(iri)
    if not types:
        return None
    ptype = min(types, key=lambda t: CLASS_RANK.get(t, 999))
    short = SEARCH_TYPES.get(ptype)
    if short is None:
        return None
    code = site.notation.get(iri)
    texts = [(tx, lg, "pref") for tx, lg in site.label_values(iri)]
    texts += [(tx, lg, f) for tx, lg, f in site.other_labels.get(iri, ())]
    if not texts and not code:
        return None
    level = site.unit_level.get(iri) or next(iter(site.links.get(iri, {}).get(C + "level", [])), None)
    if ptype == C + "FrameworkLevel":
        level = iri
    std = iri if ptype == C + "CompetencyStandard" else site.unit_standard(iri) or site.area_standard.get(iri)
    sectors = site.links.get(std, {}).get(C + "sector", []) if std else []
    st = site.status.get(iri) or (site.status.get(std) if ptype == C + "FunctionalArea" and std else None)
    return Entry(iri, short, ptype, code, texts, site.notation.get(level) if level else None,
                 sorted(site.notation.get(s, s) for s in sectors), STATUS_KEYS.get(st) if st else None)


class _Segment:
    """One searchable text blob over some entries: every normalised code and label, newline-separated."""

    __slots__ = ("blob", "starts", "lengths", "owner")

    def __init__(self, entries: list[Entry], indexes):
        parts: list[str] = []
        self.starts: list[int] = []
        self.lengths: list[int] = []
        self.owner: list[tuple[int, int]] = []  # (entry index, text index; -1 = code)
        pos = 0
        for idx in indexes:
            e = entries[idx]
            for j, s in ([(-1, e.code)] if e.code else []) + [(j, t[0]) for j, t in enumerate(e.texts)]:
                n = norm(s)
                self.starts.append(pos)
                self.lengths.append(len(n))
                self.owner.append((idx, j))
                parts.append(n)
                pos += len(n) + 1
        self.blob = "\n".join(parts)


class SearchIndex:
    """In-memory index of every searchable IRI of one store generation.

    ``updated(site, iris)`` gives the index of a new generation in which only ``iris`` changed: their
    old entries are marked dead and their new ones go to a small second segment, so an accepted change
    shows in search without re-indexing the registry (the catalogue's cache, ``service.Catalogue``)."""

    #: live entries in the second segment above which ``updated`` re-indexes whole
    MAX_DELTA = 20_000

    def __init__(self, site: SiteData, base_iri: str):
        self.site = site
        self.base_iri = base_iri
        self.entries: list[Entry] = []
        self.by_iri: dict[str, int] = {}
        self.dead: frozenset[int] = frozenset()
        for iri in site.types:
            if not iri.startswith(base_iri):
                continue
            e = entry_of(site, iri)
            if e is not None:
                self.by_iri[iri] = len(self.entries)
                self.entries.append(e)
        self.segments = [_Segment(self.entries, range(len(self.entries)))]
        self.n_base = len(self.entries)

    def updated(self, site: SiteData, iris) -> "SearchIndex":
        """The index of ``site``, where only the entries of ``iris`` differ from this one's.
        Costs O(len(iris)) besides one copy of the entry list (pointers only): ``by_iri`` is an
        ``incremental.Overlay`` and the facet counts are patched, not recounted."""
        new = object.__new__(SearchIndex)
        new.site, new.base_iri, new.n_base = site, self.base_iri, self.n_base
        new.entries = list(self.entries)
        dead = set(self.dead)
        changes: dict = {}
        gone: list[Entry] = []
        added: list[Entry] = []
        for iri in set(iris):
            old = self.by_iri.get(iri)
            if old is not None:
                dead.add(old)
                gone.append(self.entries[old])
                changes[iri] = _GONE
            e = entry_of(site, iri) if iri.startswith(self.base_iri) else None
            if e is not None:
                changes[iri] = len(new.entries)
                new.entries.append(e)
                added.append(e)
        new.by_iri = derive(self.by_iri, changes)
        delta = [i for i in range(new.n_base, len(new.entries)) if i not in dead]
        if len(delta) > self.MAX_DELTA or len(dead) > max(self.MAX_DELTA, new.n_base // 4):
            return SearchIndex(site, self.base_iri)
        new.dead = frozenset(dead)
        new.segments = [self.segments[0], _Segment(new.entries, delta)]
        counts = self.__dict__.get("_facet_counts")
        if counts is not None:
            counts = {k: Counter(c) for k, c in counts.items()}  # a few hundred values at most
            for e in gone:
                _count(counts, e, -1)
            for e in added:
                _count(counts, e, 1)
            new._facet_counts = counts
        return new

    def live(self) -> list[Entry]:
        """The entries in index order (entries of the base segment first)."""
        dead = self.dead
        return [e for i, e in enumerate(self.entries) if i not in dead]

    def search(self, q: str, *, type: str | None = None, level: str | None = None, sector: str | None = None,
               status: str | None = None, lang: str = "zh", limit: int | None = None) -> list[dict]:
        """Ranked hits for ``q`` as dicts (iri, type, code, label, lang, matched, matched_lang, tier, status, level)."""
        nq = norm(q)
        if not nq or "\n" in nq:
            return []
        best: dict[int, tuple] = {}
        dead = self.dead
        for seg in self.segments:
            start = 0
            blob, starts, lengths, owner = seg.blob, seg.starts, seg.lengths, seg.owner
            while True:
                pos = blob.find(nq, start)
                if pos < 0:
                    break
                # continue after this chunk's match position
                start = pos + 1
                k = bisect.bisect_right(starts, pos) - 1
                idx, j = owner[k]
                if idx in dead:
                    continue
                e = self.entries[idx]
                if j == -1:
                    text, tlang, field = e.code, "", "code"
                else:
                    text, tlang, field = e.texts[j]
                if pos != starts[k]:
                    tier = 2
                elif field == "code" and lengths[k] == len(nq):
                    tier = 0  # only an exact code ranks first; an exact label is a prefix match
                else:
                    tier = 1
                key = (tier, FIELD_RANK[field], len(text), text)
                if idx not in best or key < best[idx][0]:
                    best[idx] = (key, text, tlang, field)
        hits = []
        for idx, (key, text, tlang, field) in best.items():
            e = self.entries[idx]
            if type and e.type != type:
                continue
            if level and e.level != level:
                continue
            if sector and sector not in e.sectors:
                continue
            if status and e.status != status:
                continue
            hits.append((key[0], key[1], key[2], e.code or "", e.iri, idx, text, tlang))
        hits.sort()
        if limit is not None:
            hits = hits[:limit]
        out = []
        for tier, _, _, _, iri, idx, text, tlang in hits:
            e = self.entries[idx]
            shown = L.pick([(t, lg) for t, lg, f in e.texts if f == "pref"], lang) or (e.code or iri, "")
            out.append({"iri": iri, "type": e.type, "code": e.code, "label": shown[0], "lang": shown[1],
                        "matched": text, "matched_lang": tlang, "tier": tier, "status": e.status, "level": e.level,
                        "sectors": e.sectors})
        return out

    def suggest(self, q: str, *, lang: str = "zh", limit: int = 8) -> list[dict]:
        """Search-as-you-type: the first ``limit`` hits of ``search`` (same ranking), each with the
        label to show and the text that matched (iri, type, code, label, lang, matched, matched_lang)."""
        keep = ("iri", "type", "code", "label", "lang", "matched", "matched_lang")
        return [{k: h[k] for k in keep} for h in self.search(q, lang=lang, limit=limit)]

    def facets(self) -> dict[str, list[str]]:
        """The filter values present among the live entries (counted once per index, then patched by ``updated``)."""
        counts = self.__dict__.get("_facet_counts")
        if counts is None:
            counts = {"type": Counter(), "level": Counter(), "sector": Counter(), "status": Counter()}
            for e in self.live():
                _count(counts, e, 1)
            self._facet_counts = counts
        types, levels, sectors, statuses = ({x for x, n in counts[k].items() if n > 0}
                                            for k in ("type", "level", "sector", "status"))
        return {"type": sorted(types), "level": sorted(levels, key=lambda x: (len(x), x)), "sector": sorted(sectors),
                "status": sorted(statuses)}

    def to_json(self, path_of) -> dict:
        """The client-side index of the static build (same fields and ranking as ``search``)."""
        return {
            "version": 1,
            "fields": ["path", "type", "code", "texts", "level", "sectors", "status"],
            "entries": [[path_of(e.iri), e.type, e.code or "", [[t, lg, f[0]] for t, lg, f in e.texts],
                         e.level or "", e.sectors, e.status or ""] for e in self.live()],
        }


def _count(counts: dict, e: Entry, n: int) -> None:
    counts["type"][e.type] += n
    if e.level:
        counts["level"][e.level] += n
    for sector in set(e.sectors):
        counts["sector"][sector] += n
    if e.status:
        counts["status"][e.status] += n
