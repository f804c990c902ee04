"""Documents, mentions and relations, and the JSON Lines format that stores them.

One dataclass per concept, offsets everywhere (as in spaCy's ``Doc``/``Span``):
``start``/``end`` are Python string indices into ``Document.text``, end exclusive.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class DocumentError(ValueError):
    """A record that cannot be read as a document; the message says why."""


@dataclass
class Mention:
    id: str
    start: int
    end: int
    label: str
    score: float | None = None

    def text_in(self, text: str) -> str:
        return text[self.start : self.end]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "start": self.start, "end": self.end, "label": self.label}
        if self.score is not None:
            out["score"] = self.score
        return out


@dataclass
class Relation:
    action: str
    argument: str
    role: str
    score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"action": self.action, "argument": self.argument, "role": self.role}
        if self.score is not None:
            out["score"] = self.score
        return out


@dataclass
class Document:
    id: str
    text: str
    meta: dict[str, Any] = field(default_factory=dict)
    mentions: list[Mention] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)

    @property
    def split(self) -> str | None:
        return self.meta.get("split")

    def mention_by_id(self) -> dict[str, Mention]:
        return {m.id: m for m in self.mentions}

    def mention_text(self, mention: Mention) -> str:
        return mention.text_in(self.text)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "meta": self.meta,
            "mentions": [m.to_dict() for m in self.mentions],
            "relations": [r.to_dict() for r in self.relations],
        }

    @classmethod
    def from_dict(cls, data: Any) -> Document:
        """Build a document from a parsed JSON object; structural problems raise DocumentError."""
        if not isinstance(data, dict):
            raise DocumentError(f"record is a JSON {type(data).__name__}, not an object")
        doc_id = data.get("id")
        if not isinstance(doc_id, str) or not doc_id:
            raise DocumentError("'id' is missing or not a non-empty string")
        text = data.get("text")
        if not isinstance(text, str):
            raise DocumentError("'text' is missing or not a string")
        meta = data.get("meta", {})
        if not isinstance(meta, dict):
            raise DocumentError("'meta' is not an object")
        mentions = [_mention_from_dict(m, i) for i, m in enumerate(_list_field(data, "mentions"))]
        relations = [_relation_from_dict(r, i) for i, r in enumerate(_list_field(data, "relations"))]
        return cls(doc_id, text, meta, mentions, relations)


def _list_field(data: dict, name: str) -> list:
    value = data.get(name, [])
    if not isinstance(value, list):
        raise DocumentError(f"'{name}' is not a list")
    return value


def _mention_from_dict(data: Any, index: int) -> Mention:
    where = f"mentions[{index}]"
    if not isinstance(data, dict):
        raise DocumentError(f"{where} is not an object")
    mention_id, start, end, label = (data.get(k) for k in ("id", "start", "end", "label"))
    if not isinstance(mention_id, str) or not mention_id:
        raise DocumentError(f"{where}: 'id' is missing or not a non-empty string")
    for name, value in (("start", start), ("end", end)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise DocumentError(f"{where} ({mention_id}): '{name}' is not an integer")
    if not isinstance(label, str):
        raise DocumentError(f"{where} ({mention_id}): 'label' is missing or not a string")
    return Mention(mention_id, start, end, label, data.get("score"))


def _relation_from_dict(data: Any, index: int) -> Relation:
    where = f"relations[{index}]"
    if not isinstance(data, dict):
        raise DocumentError(f"{where} is not an object")
    values = [data.get(k) for k in ("action", "argument", "role")]
    if not all(isinstance(v, str) and v for v in values):
        raise DocumentError(f"{where}: 'action', 'argument' and 'role' must be non-empty strings")
    return Relation(*values, score=data.get("score"))


@dataclass
class RecordProblem:
    """A line of a JSONL file that could not become a document."""

    path: Path
    line: int
    reason: str
    doc_id: str | None = None

    def __str__(self) -> str:
        who = f" {self.doc_id}:" if self.doc_id else ""
        return f"{self.path}:{self.line}:{who} {self.reason}"


@dataclass
class LoadedDocument:
    path: Path
    line: int
    document: Document


def iter_jsonl(path: str | Path) -> Iterator[LoadedDocument | RecordProblem]:
    """Yield every line of a JSONL file as a document or as the problem that stops it being one.

    Never raises for bad data: undecodable bytes, broken JSON and wrong shapes
    all come back as ``RecordProblem`` so that a batch never aborts on one record.
    """
    path = Path(path)
    try:
        raw_lines = path.read_bytes().split(b"\n")
    except OSError as err:
        yield RecordProblem(path, 0, f"cannot read file: {err.strerror or err}")
        return
    for line_no, raw in enumerate(raw_lines, start=1):
        if not raw.strip():
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            yield RecordProblem(path, line_no, f"not valid UTF-8 (byte {err.start})")
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as err:
            yield RecordProblem(path, line_no, f"invalid JSON: {err.msg} at column {err.colno}")
            continue
        try:
            yield LoadedDocument(path, line_no, Document.from_dict(data))
        except DocumentError as err:
            doc_id = data.get("id") if isinstance(data, dict) and isinstance(data.get("id"), str) else None
            yield RecordProblem(path, line_no, str(err), doc_id)


def read_documents(path: str | Path) -> list[Document]:
    """Read a JSONL file strictly: any bad record raises DocumentError naming file and line."""
    docs = []
    for item in iter_jsonl(path):
        if isinstance(item, RecordProblem):
            raise DocumentError(str(item))
        docs.append(item.document)
    return docs


def read_corpus(paths: Iterable[str | Path]) -> list[Document]:
    """Read every ``*.jsonl`` under the given files or folders, in sorted path order."""
    return [doc for path in jsonl_files(paths) for doc in read_documents(path)]


def jsonl_files(paths: Iterable[str | Path]) -> list[Path]:
    files: list[Path] = []
    for path in map(Path, paths):
        files += sorted(path.rglob("*.jsonl")) if path.is_dir() else [path]
    return files


def write_documents(docs: Iterable[Document], path: str | Path) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as out:
        for doc in docs:
            out.write(json.dumps(doc.to_dict(), ensure_ascii=False) + "\n")
