"""Nesting-depth limits checked before an RDF text reaches a parser: now in ``registry/rdfio.py``.

Kept as the import path the security tests and older callers use.
"""

from ..rdfio import DEFAULT_MAX_DEPTH, UTF8_BOM, NestingTooDeep, check_depth, position

__all__ = ["DEFAULT_MAX_DEPTH", "UTF8_BOM", "NestingTooDeep", "check_depth", "position"]
