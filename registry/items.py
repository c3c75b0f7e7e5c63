"""Split RDF into registrable items, one named graph each (see docs/model.md, "Items and named graphs").

An item is a subject typed with one of ``ROOT_CLASSES``; every other subject
belongs to exactly one item. The graph of an item is named by the item IRI, so
an item can be replaced as a whole, versioned and given a status.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import pyoxigraph as ox

from .errors import InvalidInput
from .namespaces import CB
from .namespaces import RDF_TYPE_NODE as RDF_TYPE
from .namespaces import SKOS_NS as SKOS


ROOT_CLASSES = frozenset(
    {
        "http://www.w3.org/2002/07/owl#Ontology",
        SKOS + "ConceptScheme",
        str(CB.QualificationsFramework),
        str(CB.CompetencyStandard),
        str(CB.Unit),
        str(CB.Organisation),
        str(CB.Achievement),
        str(CB.TransferRule),
        str(CB.Qualification),  # issue 9: qualifications (their components link with cb:componentOf)
        str(CB.CreditConversion),
    }
)

# subject --predicate--> owner: the subject belongs to the owner's item
OWNER_LINKS = (
    SKOS + "inScheme",
    SKOS + "topConceptOf",
    str(CB.standard),
    str(CB.componentOf),
    "http://www.w3.org/2000/01/rdf-schema#isDefinedBy",
)


_ROOT_NODES = frozenset(ox.NamedNode(c) for c in ROOT_CLASSES)
_OWNER_LINK_NODES = frozenset(ox.NamedNode(p) for p in OWNER_LINKS)


class ItemSplitError(InvalidInput, ValueError):
    """Some subjects cannot be assigned to an item; ``subjects`` names them (kind: invalid input).

    ``str(e)`` stays the English text (callers embed it in their own bilingual messages);
    ``zh`` may give the Chinese one.
    """

    def __init__(self, message: str, subjects: list[str], zh: str | None = None):
        super().__init__(zh or message, message, subjects=subjects)
        self.subjects = subjects


def _owner_resolver(by_subject, roots: set, owner_link: dict, referenced_by: dict):
    """``owner_of(subject)``: the item (root node) a subject belongs to, or None (see ``split_items``).

    ``by_subject``: any container answering ``node in by_subject`` for the subjects of the input.
    """
    blank = ox.BlankNode
    single_root = next(iter(roots)) if len(roots) == 1 else None
    owner_cache: dict = {r: r for r in roots}

    def owner_of(start) -> ox.NamedNode | None:
        """The item ``start`` belongs to: its owner link, else the subject that references it,
        followed until a root; a cycle counts as no owner; the single root of the input last.

        Iterative (an explicit stack of frames ``[node, stage, link]``), so chains of any
        length — blank nodes nested thousands deep — are followed without recursion.
        Stage 0 follows the owner link, stage 1 the referencing subject, stage 2 concludes.
        """
        if start in owner_cache:
            return owner_cache[start]
        stack = [[start, 0, None]]
        on_path = {start}  # the nodes being resolved (the recursion's ``seen``)
        result = None  # the answer of the last resolved step

        def call(frame, target, stage) -> None:
            nonlocal result
            frame[1] = stage
            if target in owner_cache:
                result = owner_cache[target]
            elif target in on_path:
                result = None  # a cycle
            else:
                on_path.add(target)
                stack.append([target, 0, None])

        while stack:
            frame = stack[-1]
            node, stage, link = frame
            if stage == 0:
                link = frame[2] = owner_link.get(node)
                result = None
                if link is not None and (link in roots or link in by_subject):
                    call(frame, link, 1)
                else:
                    frame[1] = 1
                continue
            found = result
            if stage == 1:
                if found is None and link is not None and link not in by_subject and type(node) is not blank:
                    # an owner declared by IRI but described elsewhere (e.g. a concept of an existing scheme)
                    found = link
                if found is None:
                    ref = referenced_by.get(node)
                    if ref is not None:
                        call(frame, ref, 2)
                        continue
            if found is None:
                found = single_root
            owner_cache[node] = found
            stack.pop()
            on_path.discard(node)
            result = found
        return result

    return owner_of


def split_items(triples: Iterable[ox.Triple]) -> dict[str, list[ox.Triple]]:
    """Group ``triples`` (one file or one submission) by the item each subject belongs to.

    ``triples`` may also be default-graph :class:`pyoxigraph.Quad` objects (as ``ox.parse``
    gives them); only their subject, predicate and object are read.

    Returns ``{item IRI: triples}``. Raises :class:`ItemSplitError` when a
    subject cannot be placed (no root claims it and the input has no single root).
    """
    # hot loop (millions of triples on bulk loads): compare terms, not their string values, and
    # bind everything used per triple to locals
    by_subject: dict[ox.NamedNode | ox.BlankNode, list[ox.Triple]] = {}
    roots: set = set()
    owner_link: dict = {}
    referenced_by: dict = {}
    root_nodes, link_nodes, rdf_type = _ROOT_NODES, _OWNER_LINK_NODES, RDF_TYPE
    named, blank, literal = ox.NamedNode, ox.BlankNode, ox.Literal
    get_list = by_subject.get
    for t in triples:
        s, p, o = t.subject, t.predicate, t.object
        ts = get_list(s)
        if ts is None:
            by_subject[s] = [t]
        else:
            ts.append(t)
        if type(o) is literal:
            continue
        if p == rdf_type:
            if o in root_nodes and type(s) is named:
                roots.add(s)
        elif p in link_nodes and type(o) is named and s not in owner_link:
            owner_link[s] = o
        if (type(o) is named or type(o) is blank) and o not in referenced_by and o != s:
            referenced_by[o] = s

    owner_of = _owner_resolver(by_subject, roots, owner_link, referenced_by)

    items: dict[str, list[ox.Triple]] = defaultdict(list)
    orphans: list[str] = []
    for subject, ts in by_subject.items():
        owner = owner_of(subject)
        if owner is None:
            orphans.append(str(subject))
            continue
        items[owner.value].extend(ts)
    if orphans:
        raise _orphans_error(orphans)
    return dict(items)


def _orphans_error(orphans: list[str]) -> ItemSplitError:
    return ItemSplitError(
        "cannot tell which item these subjects belong to (give them a type such as cb:Unit, "
        "or link them to one with skos:inScheme, cb:standard or rdfs:isDefinedBy): " + ", ".join(orphans[:10]),
        orphans,
        "无法确定这些主语属于哪个条目（请为其指定类型，如 cb:Unit，或用 skos:inScheme、cb:standard、"
        "rdfs:isDefinedBy 链接到条目）：" + "、".join(orphans[:10]),
    )


class BlankKeys:
    """Stable keys for the blank nodes of one parse: the n-th distinct blank node met gets ``_:k{n}``.

    pyoxigraph gives anonymous blank nodes (``[ … ]``) fresh random labels on every parse; two parses
    of the same file meet them in the same order, so these keys let a second pass find what the
    first learned about them. Only keys: the loaded data keeps the parser's own blank nodes.
    """

    __slots__ = ("_map",)

    def __init__(self):
        self._map: dict = {}

    def __call__(self, b: ox.BlankNode) -> ox.BlankNode:
        k = self._map.get(b)
        if k is None:
            k = self._map[b] = ox.BlankNode(f"k{len(self._map)}")
        return k


class ItemScanner:
    """The first pass of a streamed load: learn which item each subject belongs to, keeping no triples.

    ``scan(triples, start)`` reads one file's triples (numbered from ``start`` in the whole load) and
    returns ``(assignment, last, count)``: ``{subject key: item IRI}`` (blank nodes by their
    :class:`BlankKeys` key), ``{item IRI: number of its last triple}`` and the number of triples.
    The items are exactly those of :func:`split_items` on the same triples (same rules, same errors).
    """

    @staticmethod
    def scan(triples: Iterable, start: int = 0) -> tuple[dict, dict[str, int], int]:
        last_of: dict = {}  # subject key -> number of its last triple
        roots: set = set()
        owner_link: dict = {}
        referenced_by: dict = {}
        root_nodes, link_nodes, rdf_type = _ROOT_NODES, _OWNER_LINK_NODES, RDF_TYPE
        named, blank, literal = ox.NamedNode, ox.BlankNode, ox.Literal
        key = BlankKeys()
        i = start - 1
        for i, t in enumerate(triples, start):
            s, p, o = t.subject, t.predicate, t.object
            if type(s) is blank:
                s = key(s)
            last_of[s] = i
            to = type(o)
            if to is literal:
                continue
            if to is blank:
                o = key(o)
            if p == rdf_type:
                if o in root_nodes and type(s) is named:
                    roots.add(s)
            elif p in link_nodes and to is named and s not in owner_link:
                owner_link[s] = o
            if (to is named or to is blank) and o not in referenced_by and o != s:
                referenced_by[o] = s
        owner_of = _owner_resolver(last_of, roots, owner_link, referenced_by)
        assignment: dict = {}
        last: dict[str, int] = {}
        values: dict = {}  # owner node -> its IRI string, made once per item
        orphans: list[str] = []
        for subject, pos in last_of.items():
            owner = owner_of(subject)
            if owner is None:
                orphans.append(str(subject))
                continue
            iri = values.get(owner)
            if iri is None:
                iri = values[owner] = owner.value
            assignment[subject] = iri
            if last.get(iri, -1) < pos:
                last[iri] = pos
        if orphans:
            raise _orphans_error(orphans)
        return assignment, last, i + 1 - start


def item_roots(triples: Iterable[ox.Triple]) -> dict[str, str]:
    """``{item IRI: root class IRI}`` for the items typed in ``triples``."""
    out: dict[str, str] = {}
    for t in triples:
        if t.predicate == RDF_TYPE and t.object.value in ROOT_CLASSES and isinstance(t.subject, ox.NamedNode):
            # keep the most specific class we know (framework over concept scheme)
            if out.get(t.subject.value) != str(CB.QualificationsFramework):
                out[t.subject.value] = t.object.value
    return out
