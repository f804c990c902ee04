"""``waqia stats`` and ``waqia lint``: the corpus as a table, and its consistency checks.

lint flags what a careful second annotator would look at:
- ``label-conflict``: one surface string annotated with different labels;
- ``unannotated``: a word-aligned occurrence of a string that is annotated elsewhere as a
  trigger or named entity, covered by no mention;
- ``action-without-argument``: a trigger with no relation;
- ``argument-without-action``: a DATE, NUM or WEAPON that no action links to (these
  labels exist to be arguments; people, organisations and places may stand alone).
A flag is either fixed or listed in ``annotations/lint-exceptions.tsv``
(``check<TAB>doc_id or *<TAB>key<TAB>reason``), key being the mention's offsets
``start-end`` or, for the first two checks, the surface string.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from waqia import schema
from waqia.documents import Document, read_corpus
from waqia.words import split_words

NAMED = {"PER", "ORG", "GPE", "LOC", "FAC", "WEAPON"}
ARGUMENT_ONLY = {"DATE", "NUM", "WEAPON"}


def stats_table(docs: list[Document]) -> str:
    """Documents, words, mentions per label and relations per role, per split."""
    splits = [s for s in schema.SPLITS if any(d.split == s for d in docs)] + ["all"]
    groups = {s: [d for d in docs if s == "all" or d.split == s] for s in splits}
    rows: list[tuple[str, list[int]]] = [
        ("documents", [len(g) for g in groups.values()]),
        ("words", [sum(len(d.text.split()) for d in g) for g in groups.values()]),
    ]
    label_counts = {s: Counter(m.label for d in g for m in d.mentions) for s, g in groups.items()}
    role_counts = {s: Counter(r.role for d in g for r in d.relations) for s, g in groups.items()}
    rows += [(label, [label_counts[s][label] for s in splits]) for label in schema.MENTION_LABELS]
    rows.append(("mentions", [sum(label_counts[s].values()) for s in splits]))
    rows += [(f"role {role}", [role_counts[s][role] for s in splits]) for role in schema.ROLES]
    rows.append(("relations", [sum(role_counts[s].values()) for s in splits]))
    width = max(len(name) for name, _ in rows) + 2
    lines = ["".join([f"{'':{width}}"] + [f"{s:>9}" for s in splits])]
    lines += ["".join([f"{name:{width}}"] + [f"{v:>9,}" for v in values]) for name, values in rows]
    return "\n".join(lines)


@dataclass(frozen=True)
class Flag:
    check: str
    doc_id: str
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.doc_id}: {self.key}: {self.check}: {self.message}"


def lint(docs: list[Document]) -> list[Flag]:
    return (
        _label_conflicts(docs)
        + _unannotated(docs)
        + _actions_without_arguments(docs)
        + _arguments_without_actions(docs)
    )


def _surface_labels(docs: list[Document]) -> dict[str, Counter]:
    labels: dict[str, Counter] = defaultdict(Counter)
    for doc in docs:
        for m in doc.mentions:
            labels[doc.mention_text(m)][m.label] += 1
    return labels


def _label_conflicts(docs: list[Document]) -> list[Flag]:
    flags = []
    for surface, counts in _surface_labels(docs).items():
        if len(counts) > 1:
            detail = ", ".join(f"{label} x{n}" for label, n in counts.most_common())
            flags.append(Flag("label-conflict", "*", surface, f"annotated as {detail}"))
    return flags


def _unannotated(docs: list[Document]) -> list[Flag]:
    """Word-aligned occurrences of annotated trigger/name strings that no mention covers.

    Scans each text's schema words, trying the longest known string first at every word.
    """
    surfaces = {
        s: c.most_common(1)[0][0]
        for s, c in _surface_labels(docs).items()
        if any(label in NAMED or schema.is_action(label) for label in c)
    }
    longest = max((len(split_words(s)) for s in surfaces), default=0)
    flags = []
    for doc in docs:
        covered = [False] * (len(doc.text) + 1)
        for m in doc.mentions:
            for i in range(m.start, m.end):
                covered[i] = True
        words = split_words(doc.text)
        i = 0
        while i < len(words):
            step = 1
            for n in range(min(longest, len(words) - i), 0, -1):
                start, end = words[i].start, words[i + n - 1].end
                surface = doc.text[start:end]
                if surface in surfaces:
                    if not any(covered[start:end]):
                        flags.append(
                            Flag(
                                "unannotated",
                                doc.id,
                                surface,
                                f"at {start}-{end}, annotated elsewhere as {surfaces[surface]}",
                            )
                        )
                    step = n
                    break
            i += step
    return flags


def _key(mention) -> str:
    """Offsets, not mention ids: ids are renumbered when a mention is added, offsets stay."""
    return f"{mention.start}-{mention.end}"


def _actions_without_arguments(docs: list[Document]) -> list[Flag]:
    flags = []
    for doc in docs:
        linked = {r.action for r in doc.relations}
        for m in doc.mentions:
            if schema.is_action(m.label) and m.id not in linked:
                flags.append(
                    Flag(
                        "action-without-argument", doc.id, _key(m), f"{m.label} '{doc.mention_text(m)}' has no argument"
                    )
                )
    return flags


def _arguments_without_actions(docs: list[Document]) -> list[Flag]:
    flags = []
    for doc in docs:
        linked = {r.argument for r in doc.relations}
        for m in doc.mentions:
            if m.label in ARGUMENT_ONLY and m.id not in linked:
                flags.append(
                    Flag(
                        "argument-without-action",
                        doc.id,
                        _key(m),
                        f"{m.label} '{doc.mention_text(m)}' is no action's argument",
                    )
                )
    return flags


def read_exceptions(path: Path) -> dict[tuple[str, str, str], str]:
    """(check, doc_id or *, key) -> reason."""
    if not path.exists():
        return {}
    exceptions = {}
    with open(path, encoding="utf-8", newline="") as handle:
        for line_no, row in enumerate(csv.reader(handle, delimiter="\t"), start=1):
            if not row or row[0].startswith("#"):
                continue
            if len(row) != 4 or not row[3].strip():
                raise ValueError(f"{path}:{line_no}: expected check, doc_id, key and a reason, tab-separated")
            exceptions[(row[0], row[1], row[2])] = row[3]
    return exceptions


def is_excepted(flag: Flag, exceptions: dict) -> bool:
    return (flag.check, flag.doc_id, flag.key) in exceptions or (flag.check, "*", flag.key) in exceptions


def cmd_stats(args: argparse.Namespace) -> int:
    print(stats_table(read_corpus(args.paths)))
    return 0


def cmd_lint(args: argparse.Namespace) -> int:
    docs = read_corpus(args.paths)
    exceptions = read_exceptions(Path(args.exceptions))
    flags = lint(docs)
    open_flags = [f for f in flags if not is_excepted(f, exceptions)]
    for flag in open_flags:
        print(flag)
    counts = Counter(f.check for f in open_flags)
    summary = ", ".join(f"{check} {n}" for check, n in sorted(counts.items())) or "none"
    print(
        f"{len(open_flags)} unexplained flag(s) ({summary}); {len(flags) - len(open_flags)} recorded exception(s)",
        file=sys.stderr,
    )
    return 1 if open_flags else 0
