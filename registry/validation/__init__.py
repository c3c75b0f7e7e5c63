"""SHACL validation of submissions (shapes in ``shapes/gdlecb-shapes.ttl``).

Public API (other parts of the registry call these names)::

    from registry.validation import RdfSyntaxError, parse_rdf, parse_rdf_file, Validator

    triples = parse_rdf(text, source="upload.ttl")          # raises RdfSyntaxError (file:line:column: message)
    report = Validator().validate({"upload.ttl": triples}, store=store)
    report.conforms, report.results, report.to_text("zh"), report.to_dict("en"), report.to_turtle()
"""

from .parse import RdfSyntaxError, parse_rdf, parse_rdf_file, rdf_format
from .report import ValidationReport, ValidationResult
from .validator import DEFAULT_REFERENCE, DEFAULT_SHAPES, Validator, default_validator, load_shapes

__all__ = [
    "DEFAULT_REFERENCE",
    "DEFAULT_SHAPES",
    "RdfSyntaxError",
    "ValidationReport",
    "ValidationResult",
    "Validator",
    "default_validator",
    "load_shapes",
    "parse_rdf",
    "parse_rdf_file",
    "rdf_format",
]
