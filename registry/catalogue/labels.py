"""Language choice for everything shown: ONE fallback order, used by every page, index and API.

The order is: the chosen language → the other of zh/en → untagged → anything else.
"""

from __future__ import annotations

from collections.abc import Iterable

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"


def normalise_lang(value: str | None, default: str = DEFAULT_LANG) -> str:
    """``zh``/``en`` from a ``?lang=`` value or cookie (``zh-CN`` → ``zh``); anything else → ``default``."""
    if value:
        v = value.strip().lower()[:2]
        if v in LANGS:
            return v
    return default


def fallback_order(lang: str) -> tuple[str, ...]:
    """Language tags in display order for ``lang`` ("" is untagged)."""
    other = "en" if lang == "zh" else "zh"
    return (lang, other, "")


def _base(tag: str) -> str:
    return tag.split("-", 1)[0].lower() if tag else ""


def pick(values: Iterable[tuple[str, str]], lang: str) -> tuple[str, str] | None:
    """The value to show in ``lang`` from ``(text, language tag)`` pairs, as ``(text, tag)``.

    THE fallback rule of the catalogue. Ties within one language go to the
    lexically smallest text, so the choice is stable whatever order the store
    returns values in.
    """
    best = None
    best_rank = 99
    order = fallback_order(lang)
    for text, tag in values:
        b = _base(tag)
        rank = order.index(b) if b in order else len(order)
        if rank < best_rank or (rank == best_rank and best is not None and text < best[0]):
            best, best_rank = (text, tag), rank
    return best


def pick_all(values: Iterable[tuple[str, str]], lang: str) -> list[tuple[str, str]]:
    """All values of the best available language (for repeatable fields such as assessment criteria)."""
    values = list(values)
    first = pick(values, lang)
    if first is None:
        return []
    tag = _base(first[1])
    return [v for v in values if _base(v[1]) == tag]
