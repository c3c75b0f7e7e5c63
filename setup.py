"""Build hook: copy the shipped data folders into the package of a built distribution.

The project keeps its data in top-level folders (ontology/, shapes/, vocabularies/, site/: a fixed
layout). A wheel (built from the checkout or from the sdist, which carries those folders through
MANIFEST.in) gets a copy under ``registry/_resources/``, where ``registry/resources.py`` finds it
through importlib.resources. An editable install (``scripts/setup``) copies nothing: the package
is imported from the checkout, and ``registry/resources.py`` reads the folders there.
Everything else about the package is declared in pyproject.toml.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
#: top-level folders copied into the wheel, and the files in them that are tools, not data
SHIPPED = ("ontology", "shapes", "vocabularies", "site")
NOT_DATA = {"shapes/build_shapes.py"}
IGNORED_NAMES = {".gitkeep", "__pycache__", ".DS_Store"}


def shipped_files():
    """(source, path relative to the project root) of every data file to ship."""
    for folder in SHIPPED:
        base = HERE / folder
        if not base.is_dir():
            raise SystemExit(f"setup.py: the shipped folder {folder}/ is missing from {HERE}")
        for path in sorted(base.rglob("*")):
            rel = path.relative_to(HERE).as_posix()
            if (path.is_file() and rel not in NOT_DATA and path.suffix not in (".pyc", ".pyo")
                    and not IGNORED_NAMES.intersection(path.relative_to(base).parts)):
                yield path, rel


class BuildWithResources(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout's folders directly
        target = Path(self.build_lib) / "registry" / "_resources"
        for source, rel in shipped_files():
            dest = target / rel
            self.mkpath(str(dest.parent))
            self.copy_file(str(source), str(dest))

    def get_outputs(self, include_bytecode=True):
        outputs = super().get_outputs(include_bytecode)
        if not getattr(self, "editable_mode", False):
            target = Path(self.build_lib) / "registry" / "_resources"
            outputs += [str(target / rel) for _, rel in shipped_files()]
        return outputs


setup(cmdclass={"build_py": BuildWithResources})
