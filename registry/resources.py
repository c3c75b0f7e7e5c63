"""Where the registry's data files are: shapes, shipped vocabularies, ontology, templates, static files.

The checkout keeps them in top-level folders (``ontology/``, ``shapes/``, ``vocabularies/``,
``site/templates``, ``site/static``); a built wheel or sdist install carries a copy of the same
layout inside the package, ``registry/_resources/`` (copied at build time by ``setup.py``), found
through :mod:`importlib.resources`. The SPARQL page template is package data of
``registry.sparql`` (``registry/sparql/templates``).

Each resource is looked up, first hit wins:

1. ``REGISTRY_RESOURCES_DIR`` (environment, like every ``REGISTRY_*`` setting): a folder with the
   same layout; each of ``ontology/``, ``shapes/gdlecb-shapes.ttl``, ``vocabularies/``,
   ``site/templates/``, ``site/static/`` and ``sparql/templates/`` that it holds replaces the
   packaged one as a whole (a folder is not merged with the packaged one); what it does not hold
   still comes from the package;
2. ``registry/_resources/`` inside the installed package (a wheel or sdist install);
3. the checkout the package was imported from (``registry/`` next to ``shapes/`` …): a source
   tree or an editable install (``scripts/setup``), so edits to the checkout show at once.

The lookups are evaluated each call (cheap), so the override can be changed by tests; modules that
keep a path as a constant read it once at import.
"""

from __future__ import annotations

import os
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from .errors import RegistryError

ENV = "REGISTRY_RESOURCES_DIR"
PACKAGED = "_resources"  # folder inside the ``registry`` package of a built distribution

SHAPES_FILE = "shapes/gdlecb-shapes.ttl"  # relative to a resources root: SHACL Core
SPARQL_SHAPES_FILE = "shapes/gdlecb-shapes-sparql.ttl"  # the SHACL-SPARQL constraints, used with it


class ResourceError(RegistryError):
    """A resource folder or file the registry needs is not where it should be (a broken install
    or a wrong ``REGISTRY_RESOURCES_DIR``)."""


def _as_path(t: Traversable) -> Path:
    # wheels install unpacked, so importlib.resources hands out real paths; a zipped install
    # would need extraction, which the template loaders and StaticFiles cannot use
    if isinstance(t, Path):
        return t
    raise ResourceError("注册库的资源文件必须位于文件系统中（请勿以 zip 方式安装）",
                        f"the registry's resource files must be on the file system (not a zipped install): {t}")


def override_dir() -> Path | None:
    """The folder named by ``REGISTRY_RESOURCES_DIR``, or None when it is not set."""
    value = os.environ.get(ENV, "").strip()
    if not value:
        return None
    path = Path(value).expanduser()
    if not path.is_dir():
        raise ResourceError(f"{ENV} 指向的资源文件夹不存在：{value}",
                            f"{ENV} names a resources folder that does not exist: {value}", setting=ENV)
    return path


def _roots() -> list[Path]:
    """The resource roots in lookup order (see the module docstring)."""
    roots: list[Path] = []
    override = override_dir()
    if override is not None:
        roots.append(override)
    package = files("registry")
    packaged = package / PACKAGED
    if packaged.is_dir():
        roots.append(_as_path(packaged))
    else:
        # a checkout (source tree or editable install): the package folder sits in the project root
        checkout = _as_path(package).parent
        if (checkout / SHAPES_FILE).is_file():
            roots.append(checkout)
    return roots


def _find(relative: str, *, folder: bool) -> Path:
    for root in _roots():
        candidate = root / relative
        if candidate.is_dir() if folder else candidate.is_file():
            return candidate
    raise ResourceError(f"找不到注册库的资源 {relative}（安装不完整，或 {ENV} 设置有误）",
                        f"the registry resource {relative} was not found (an incomplete install, "
                        f"or a wrong {ENV})", resource=relative)


def shapes_file() -> Path:
    """The SHACL shapes (SHACL Core), ``shapes/gdlecb-shapes.ttl``."""
    return _find(SHAPES_FILE, folder=False)


def sparql_shapes_file(core: Path | None = None) -> Path | None:
    """The SHACL-SPARQL constraints that go with the Core shapes file ``core`` (default: the
    registry's): ``{stem}-sparql.ttl`` beside it, or None when that file does not exist (a shapes
    file of one's own may have no SPARQL part)."""
    core = Path(core) if core is not None else shapes_file()
    companion = core.with_name(core.stem + "-sparql" + core.suffix)
    return companion if companion.is_file() else None


def ontology_dir() -> Path:
    return _find("ontology", folder=True)


def shapes_dir() -> Path:
    return _find("shapes", folder=True)


def vocabularies_dir() -> Path:
    return _find("vocabularies", folder=True)


def reference_paths() -> tuple[Path, Path]:
    """The default reference context of validation: the shipped ontology and vocabularies."""
    return ontology_dir(), vocabularies_dir()


def shipped_paths() -> tuple[Path, Path, Path]:
    """What ``registry load --shipped`` loads: the ontology, the shapes and the vocabularies
    (the same folders ``scripts/run`` loads from the checkout)."""
    return ontology_dir(), shapes_dir(), vocabularies_dir()


def site_templates() -> Path:
    """The catalogue's (and workflow pages') Jinja templates, ``site/templates``."""
    return _find("site/templates", folder=True)


def site_static() -> Path:
    """CSS, JS and icons of the catalogue, ``site/static``."""
    return _find("site/static", folder=True)


def sparql_templates() -> Path:
    """The SPARQL query page template (package data of ``registry.sparql``)."""
    override = override_dir()
    if override is not None and (override / "sparql" / "templates").is_dir():
        return override / "sparql" / "templates"
    found = files("registry.sparql") / "templates"
    if not found.is_dir():
        raise ResourceError("找不到 SPARQL 页面模板（安装不完整）",
                            "the SPARQL page templates were not found (an incomplete install)",
                            resource="registry/sparql/templates")
    return _as_path(found)


def describe() -> dict[str, str]:
    """Where each resource comes from (for ``registry resources`` and tests)."""
    return {
        "shapes": str(shapes_file()),
        "shapes-sparql": str(sparql_shapes_file()),
        "ontology": str(ontology_dir()),
        "vocabularies": str(vocabularies_dir()),
        "site/templates": str(site_templates()),
        "site/static": str(site_static()),
        "sparql/templates": str(sparql_templates()),
    }
