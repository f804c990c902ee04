"""Every rule of the annotation schema, checked on documents.

Problems are data, not exceptions: a validator reports them all and keeps going,
whatever the input looks like.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from waqia import schema
from waqia.documents import Document, LoadedDocument, RecordProblem, iter_jsonl, jsonl_files
from waqia.words import is_boundary

#: Characters that may wrap a name but never belong to a mention's edge.
QUOTES_AND_BRACKETS = set("\"'«»“”‘’„()[]{}<>")


@dataclass(frozen=True)
class Problem:
    """One broken rule, printed as ``file:line: doc-id: mention-id: reason``."""

    reason: str
    mention_id: str | None = None
    doc_id: str | None = None
    path: Path | None = None
    line: int = 0

    def __str__(self) -> str:
        parts = [f"{self.path}:{self.line}" if self.path else "<document>"]
        parts += [p for p in (self.doc_id, self.mention_id) if p]
        return ": ".join(parts) + ": " + self.reason


def check_document(doc: Document) -> list[Problem]:
    """All schema problems in one document (an empty list when it is valid)."""
    problems = list(_check_meta(doc)) + list(_check_mentions(doc)) + list(_check_relations(doc))
    return [Problem(p.reason, p.mention_id, doc.id) for p in problems]


def _check_meta(doc: Document) -> Iterator[Problem]:
    split = doc.meta.get("split")
    if split is not None and split not in schema.SPLITS:
        yield Problem(f"meta.split '{split}' is not one of {', '.join(schema.SPLITS)}")


def _check_mentions(doc: Document) -> Iterator[Problem]:
    seen_ids: set[str] = set()
    for mention in doc.mentions:
        if mention.id in seen_ids:
            yield Problem("mention id is not unique", mention.id)
        seen_ids.add(mention.id)
        yield from (Problem(reason, mention.id) for reason in _span_problems(doc.text, mention.start, mention.end))
        if mention.label not in schema.MENTION_LABELS:
            yield Problem(f"unknown label '{mention.label}'", mention.id)
    in_range = [m for m in doc.mentions if 0 <= m.start < m.end <= len(doc.text)]
    in_range.sort(key=lambda m: (m.start, m.end))
    for before, after in zip(in_range, in_range[1:]):
        if after.start < before.end:
            yield Problem(f"overlaps mention {before.id} ({before.start}-{before.end})", after.id)


def _span_problems(text: str, start: int, end: int) -> list[str]:
    if not 0 <= start < end <= len(text):
        return [f"offsets {start}-{end} out of range for text of length {len(text)}"]
    surface = text[start:end]
    problems = []
    if surface != surface.strip():
        problems.append(f"span '{surface}' starts or ends with whitespace")
    if not is_boundary(text, start):
        problems.append(f"start {start} cuts a word ('{_context(text, start)}')")
    if not is_boundary(text, end):
        problems.append(f"end {end} cuts a word ('{_context(text, end)}')")
    if surface[0] in QUOTES_AND_BRACKETS or surface[-1] in QUOTES_AND_BRACKETS:
        problems.append(f"span '{surface}' includes a quotation mark or bracket at its edge")
    if "\n" in surface:
        problems.append("span crosses a line break")
    return problems


def _context(text: str, index: int, width: int = 8) -> str:
    return text[max(0, index - width) : index] + "|" + text[index : index + width]


def _check_relations(doc: Document) -> Iterator[Problem]:
    by_id = doc.mention_by_id()
    seen: set[tuple[str, str, str]] = set()
    for relation in doc.relations:
        key = (relation.action, relation.argument, relation.role)
        where = f"relation {relation.action} -{relation.role}-> {relation.argument}"
        if key in seen:
            yield Problem(f"{where} is duplicated", relation.action)
        seen.add(key)
        action, argument = by_id.get(relation.action), by_id.get(relation.argument)
        if action is None or argument is None:
            missing = relation.action if action is None else relation.argument
            yield Problem(f"{where} names mention '{missing}', which does not exist", relation.action)
            continue
        yield from (
            Problem(f"{where}: {reason}", relation.action)
            for reason in _relation_problems(doc, relation, action, argument)
        )


def _relation_problems(doc, relation, action, argument) -> list[str]:
    problems = []
    if relation.role not in schema.ROLES:
        problems.append(f"unknown role '{relation.role}'")
    if not schema.is_action(action.label):
        problems.append(f"source {action.id} is a {action.label}, not an action (relations go action -> argument)")
    if not schema.is_entity(argument.label):
        problems.append(f"argument {argument.id} is a {argument.label}, not an entity")
    elif relation.role in schema.ROLES and not schema.role_allows(relation.role, argument.label):
        allowed = " ".join(sorted(schema.ROLE_ARGUMENT_LABELS[relation.role]))
        problems.append(f"role {relation.role} does not admit {argument.label} (allowed: {allowed})")
    if action.id == argument.id:
        problems.append("links a mention to itself")
    lo, hi = min(action.start, argument.start), max(action.end, argument.end)
    if 0 <= lo and hi <= len(doc.text) and "\n" in doc.text[lo:hi]:
        problems.append("crosses a paragraph break (relations stay inside one paragraph)")
    return problems


def validate_paths(paths: Iterable[str | Path]) -> Iterator[Problem]:
    """Validate every JSONL file under ``paths``; yields each problem with file and line."""
    files = jsonl_files(paths)
    if not files:
        yield Problem("no .jsonl files found", path=Path(",".join(map(str, paths)) or "."))
    first_seen: dict[str, tuple[Path, int]] = {}
    for path in files:
        for item in iter_jsonl(path):
            if isinstance(item, RecordProblem):
                yield Problem(item.reason, None, item.doc_id, item.path, item.line)
                continue
            yield from _located(item, check_document(item.document))
            doc_id = item.document.id
            if doc_id in first_seen:
                other_path, other_line = first_seen[doc_id]
                yield Problem(f"document id also used at {other_path}:{other_line}", None, doc_id, path, item.line)
            else:
                first_seen[doc_id] = (path, item.line)


def _located(item: LoadedDocument, problems: list[Problem]) -> Iterator[Problem]:
    for p in problems:
        yield Problem(p.reason, p.mention_id, p.doc_id, item.path, item.line)
