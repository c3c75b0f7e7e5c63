"""The ``registry`` command line."""

from __future__ import annotations

import click

from . import __version__
from .commands import serve, site, store_io, transfer, validate, workflow


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="registry")
def main() -> None:
    """Linked-data standards registry for lifelong-learning credit banks (学分银行标准注册库)."""


for module in (validate, store_io, serve, site, workflow, transfer):
    for command in module.commands:
        main.add_command(command)


if __name__ == "__main__":  # pragma: no cover
    main()
