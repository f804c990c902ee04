"""Subcommands owned by inference/: extract (imported lazily, see training.commands)."""

from __future__ import annotations

from inference.records import DEFAULT_MAX_CHARS
from waqia.cli import lazy


def register(sub) -> None:
    add_parser(sub)


def add_parser(sub) -> None:
    p = sub.add_parser("extract", help="extract events from texts with a trained model")
    p.add_argument("inputs", nargs="+", help=".txt files, folders, .jsonl files ({'id','text',...}) or - for stdin")
    p.add_argument("--model", required=True, help="model folder")
    p.add_argument("-o", "--output", help="output file (.jsonl or .csv); stdout when omitted")
    p.add_argument("--format", choices=["jsonl", "csv"], help="default: from the output's extension, else jsonl")
    p.add_argument("--resume", action="store_true", help="continue an interrupted run into the same output")
    p.add_argument("--batch-size", type=int, default=16, help="windows per encoder batch")
    p.add_argument("--chunk-size", type=int, default=64, help="records read, sorted and written together")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1, mps")
    p.add_argument("--precision", default="auto", choices=["auto", "fp32", "bf16", "fp16"])
    p.add_argument("--max-chars", type=int, default=DEFAULT_MAX_CHARS, help="longer records are rejected with an error")
    p.add_argument("--include-text", action="store_true", help="copy each record's text into the JSONL output")
    p.add_argument("--table", action="store_true", help="also print the events as a readable table (stdout)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=lazy("inference.cli", "cmd_extract"))
