"""The ``waqia`` command: one entry point, one subcommand per task.

Subcommands register themselves from the module that owns the work, so this file
stays a thin table of contents.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from importlib import import_module
from pathlib import Path

from waqia.documents import Document, DocumentError, read_corpus, write_documents
from waqia.validation import check_document, validate_paths

Command = Callable[[argparse.Namespace], int]


def lazy(module: str, function: str) -> Command:
    """A command that imports its (heavy, torch-using) module only when it runs."""

    def run(args: argparse.Namespace) -> int:
        return getattr(import_module(module), function)(args)

    return run


def cmd_validate(args: argparse.Namespace) -> int:
    count = 0
    for problem in validate_paths(args.paths):
        print(problem)
        count += 1
    if count:
        print(f"{count} problem(s)", file=sys.stderr)
        return 1
    print("ok: no problems")
    return 0


def _read_inputs(fmt: str, inputs: list[str], args: argparse.Namespace) -> list[Document]:
    if fmt == "jsonl":
        return read_corpus(inputs)
    if fmt == "inline":
        from waqia.formats import inline

        files = [f for p in map(Path, inputs) for f in (sorted(p.glob("*.txt")) if p.is_dir() else [p])]
        return [inline.read_inline(f) for f in files]
    if fmt == "brat":
        from waqia.formats import brat

        return [doc for p in inputs for doc in brat.read_brat_dir(p)]
    if fmt == "conll":
        from waqia.formats import conll

        label_map = conll.parse_label_map(args.label_map)
        return [
            doc
            for p in inputs
            for doc in conll.read_conll(
                p, tag_column=args.tag_column, label_map=label_map, sentences_per_doc=args.sentences_per_doc
            )
        ]
    raise DocumentError(f"unknown input format '{fmt}'")


def cmd_convert(args: argparse.Namespace) -> int:
    try:
        docs = _read_inputs(args.source_format, args.inputs, args)
    except (DocumentError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    invalid = 0
    if args.check:
        for doc in docs:
            for problem in check_document(doc):
                print(problem)
                invalid += 1
    out = Path(args.output)
    if args.target_format == "jsonl":
        write_documents(docs, out)
    elif args.target_format == "brat":
        from waqia.formats import brat

        brat.write_brat_dir(docs, out, events=args.brat_events)
    elif args.target_format == "inline":
        from waqia.formats import inline

        out.mkdir(parents=True, exist_ok=True)
        for doc in docs:
            (out / f"{doc.id}.txt").write_text(inline.format_inline(doc), encoding="utf-8")
    print(f"wrote {len(docs)} document(s) to {out}", file=sys.stderr)
    return 1 if invalid else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="waqia", description="Arabic news event extraction.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="check annotation files against the schema")
    p.add_argument("paths", nargs="+", help="JSONL files or folders holding them")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("convert", help="convert between jsonl, brat, inline and conll")
    p.add_argument("inputs", nargs="+")
    p.add_argument("--from", dest="source_format", required=True, choices=["jsonl", "brat", "inline", "conll"])
    p.add_argument("--to", dest="target_format", required=True, choices=["jsonl", "brat", "inline"])
    p.add_argument("-o", "--output", required=True, help="JSONL file, or folder for brat/inline")
    p.add_argument("--check", action="store_true", help="also validate the converted documents")
    p.add_argument("--brat-events", action="store_true", help="write relations as brat E lines, not R lines")
    p.add_argument("--tag-column", type=int, default=-1, help="CoNLL: which column holds the tags")
    p.add_argument("--label-map", default="", help="CoNLL: e.g. PERS=PER,MISC=-  ('-' drops a label)")
    p.add_argument("--sentences-per-doc", type=int, default=0, help="CoNLL: group sentences into documents")
    p.set_defaults(func=cmd_convert)

    for register in _extension_registrars():
        register(sub)
    return parser


def _extension_registrars() -> list[Callable]:
    """Subcommands owned by training/ and inference/ (imported lazily: they pull in torch)."""
    registrars = []
    for module_name in ("training.commands", "inference.commands"):
        try:
            module = __import__(module_name, fromlist=["register"])
        except ModuleNotFoundError as err:
            if err.name and module_name.startswith(err.name):
                continue
            raise
        registrars.append(module.register)
    return registrars


def main(argv: list[str] | None = None) -> int:
    # A command-line run reports through its own messages; keep library load reports quiet.
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
