"""Subcommands owned by training/: train, evaluate, stats, lint.

Only argument definitions live here; each command imports its (heavy, torch-using)
module when it runs, so ``waqia validate`` or ``waqia convert`` start instantly.
"""

from __future__ import annotations

import argparse

from waqia.cli import lazy


def add_train_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", help="YAML file in configs/")
    p.add_argument("--output-dir", help="overrides training.output_dir")
    p.add_argument("--resume", action="store_true", help="continue from OUTPUT/checkpoint")
    add_override_argument(p)


def add_override_argument(p: argparse.ArgumentParser) -> None:
    """``--set KEY=VALUE`` (repeatable): any training setting, e.g. training.epochs=3."""
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a setting, e.g. training.epochs=3",
    )


def register(sub) -> None:
    p = sub.add_parser("train", help="train the joint model from a YAML config")
    add_train_arguments(p)
    p.set_defaults(func=lazy("training.train", "cmd_train"))

    p = sub.add_parser("evaluate", help="score a trained model on annotated documents")
    p.add_argument("--model", required=True, help="folder written by training")
    p.add_argument("--data", required=True, nargs="+", help="JSONL files or folders")
    p.add_argument("--output", help="write the full report as JSON here")
    p.add_argument("--device", default="auto")
    p.add_argument("--precision", default="fp32", choices=["auto", "fp32", "bf16", "fp16"])
    p.add_argument("--batch-size", type=int, default=16)
    p.set_defaults(func=lazy("training.evaluate", "cmd_evaluate"))

    p = sub.add_parser("stats", help="corpus statistics per split")
    p.add_argument("paths", nargs="*", default=["annotations"])
    p.set_defaults(func=lazy("training.corpus_tools", "cmd_stats"))

    p = sub.add_parser("lint", help="consistency checks across the corpus")
    p.add_argument("paths", nargs="*", default=["annotations"])
    p.add_argument("--exceptions", default="annotations/lint-exceptions.tsv")
    p.set_defaults(func=lazy("training.corpus_tools", "cmd_lint"))
