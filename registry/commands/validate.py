"""``registry validate``: check RDF files against the registry's SHACL shapes."""

from __future__ import annotations

import sys
from pathlib import Path

import click

EXIT_OK, EXIT_VIOLATIONS, EXIT_UNREADABLE = 0, 1, 2


@click.command("validate")
@click.argument("paths", nargs=-1, required=True)
@click.option("--with", "with_", multiple=True, type=click.Path(exists=True),
              help="More RDF files or folders to use as reference context (repeatable). "
                   "引用的其他数据文件或文件夹（可重复）。")
@click.option("--no-shipped", is_flag=True,
              help="Do not use the shipped ontology/ and vocabularies/ as context (only --with). "
                   "不使用随附的本体和代码表作为上下文。")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of the messages. 消息语言。")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "turtle"]), default="text", show_default=True,
              help="Output: text, JSON, or the SHACL validation report in Turtle. 输出格式。")
def validate_command(paths, with_, no_shipped, lang, fmt):
    """Validate RDF files or folders (`-` reads Turtle from stdin) against the registry shapes.

    校验 RDF 文件或文件夹（`-` 表示从标准输入读取 Turtle）是否符合注册库的数据约束。

    Exit status: 0 conforms (warnings allowed), 1 violations, 2 unreadable input.
    """
    from ..rdfio import rdf_files
    from ..validation import RdfSyntaxError, Validator, parse_rdf, parse_rdf_file

    sources: dict[str, list] = {}
    texts: dict[str, str] = {}
    errors: list[str] = []
    files: list[Path] = []
    for p in paths:
        if p == "-":
            data = sys.stdin.buffer.read()
            try:
                sources["<stdin>"] = parse_rdf(data, source="<stdin>")
                texts["<stdin>"] = data.decode("utf-8", "replace")
            except RdfSyntaxError as e:
                errors.append(str(e))
            continue
        path = Path(p)
        if not path.exists():
            errors.append(f"{p}:1:1: no such file or folder / 文件或文件夹不存在")
            continue
        found = rdf_files([path])
        if path.is_dir() and not found:
            errors.append(f"{p}:1:1: no RDF files in this folder / 文件夹中没有 RDF 文件")
        files.extend(found)
    for f in files:
        try:
            sources[str(f)] = parse_rdf_file(f)
            if f.suffix in (".ttl", ".trig", ".nt", ".nq", ""):
                texts[str(f)] = f.read_text("utf-8", "replace")
        except (RdfSyntaxError, ValueError) as e:
            errors.append(str(e))
    if errors:
        for e in errors:
            click.echo(e, err=True)
        sys.exit(EXIT_UNREADABLE)

    try:
        validator = Validator(with_, reference_paths=[] if no_shipped else None)
    except RdfSyntaxError as e:
        click.echo(f"reference data / 参考数据: {e}", err=True)
        sys.exit(EXIT_UNREADABLE)
    report = validator.validate(sources, texts=texts)
    if fmt == "json":
        click.echo(report.to_json(lang))
    elif fmt == "turtle":
        click.echo(report.to_turtle())
    else:
        click.echo(report.to_text(lang))
    sys.exit(EXIT_OK if report.conforms else EXIT_VIOLATIONS)


commands = [validate_command]
