"""brat standoff (``.txt`` + ``.ann``), the exchange format of brat and INCEpTION.

Mentions are ``T`` lines. Relations are written either as ``R`` lines
(``R1<TAB>ROLE Arg1:T2 Arg2:T5``, action first) or as ``E`` lines
(``E1<TAB>ATTACK:T2 AGENT:T1 PLACE:T3``), which is how brat models events. Our
mention ids and the document's ``meta`` travel in a ``<id>.json`` sidecar so that
JSONL -> brat -> JSONL is lossless.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from waqia.documents import Document, DocumentError, Mention, Relation

_ROLE_SUFFIX = re.compile(r"\d+$")


def format_ann(doc: Document, events: bool = False) -> str:
    tid = {m.id: f"T{i}" for i, m in enumerate(doc.mentions, start=1)}
    lines = [f"{tid[m.id]}\t{m.label} {m.start} {m.end}\t{m.text_in(doc.text)}" for m in doc.mentions]
    lines += _event_lines(doc, tid) if events else _relation_lines(doc, tid)
    return "\n".join(lines) + "\n"


def _relation_lines(doc: Document, tid: dict[str, str]) -> list[str]:
    return [f"R{i}\t{r.role} Arg1:{tid[r.action]} Arg2:{tid[r.argument]}" for i, r in enumerate(doc.relations, start=1)]


def _event_lines(doc: Document, tid: dict[str, str]) -> list[str]:
    """One E line per action that has arguments, in the order its relations first appear."""
    by_action: dict[str, list[Relation]] = {}
    for relation in doc.relations:
        by_action.setdefault(relation.action, []).append(relation)
    labels = {m.id: m.label for m in doc.mentions}
    lines = []
    for i, (action, relations) in enumerate(by_action.items(), start=1):
        args = " ".join(f"{r.role}:{tid[r.argument]}" for r in relations)
        lines.append(f"E{i}\t{labels[action]}:{tid[action]} {args}")
    return lines


def parse_ann(ann: str, text: str, doc_id: str, mention_ids: dict[str, str] | None = None) -> Document:
    """Parse ``.ann`` content; ``mention_ids`` maps T ids back to the original ids when known."""
    mention_ids = mention_ids or {}
    mentions: list[Mention] = []
    relations: list[Relation] = []
    tmap: dict[str, str] = {}
    for line_no, line in enumerate(ann.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        kind = line[0]
        try:
            if kind == "T":
                mention = _parse_t(line, text, mention_ids)
                tmap[line.split("\t")[0]] = mention.id
                mentions.append(mention)
            elif kind == "R":
                relations.append(_parse_r(line, tmap))
            elif kind == "E":
                relations += _parse_e(line, tmap)
        except (ValueError, KeyError, IndexError) as err:
            raise DocumentError(f"{doc_id}.ann:{line_no}: cannot read '{line}': {err}") from None
    return Document(doc_id, text, {}, mentions, relations)


def _parse_t(line: str, text: str, mention_ids: dict[str, str]) -> Mention:
    tid, spec, surface = line.split("\t")
    label, offsets = spec.split(" ", 1)
    if ";" in offsets:
        raise ValueError("discontinuous spans are not part of the schema")
    start, end = map(int, offsets.split())
    if text[start:end] != surface:
        raise ValueError(f"text at {start}-{end} is '{text[start:end]}', not '{surface}'")
    return Mention(mention_ids.get(tid, tid), start, end, label)


def _parse_r(line: str, tmap: dict[str, str]) -> Relation:
    _, spec = line.split("\t")[:2]
    role, arg1, arg2 = spec.split()
    return Relation(tmap[arg1.split(":", 1)[1]], tmap[arg2.split(":", 1)[1]], role)


def _parse_e(line: str, tmap: dict[str, str]) -> list[Relation]:
    _, spec = line.split("\t")[:2]
    trigger, *args = spec.split()
    action = tmap[trigger.split(":", 1)[1]]
    relations = []
    for arg in args:
        role, target = arg.split(":", 1)
        relations.append(Relation(action, tmap[target], _ROLE_SUFFIX.sub("", role)))
    return relations


def write_brat_dir(docs: list[Document], folder: str | Path, events: bool = False) -> None:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for doc in docs:
        (folder / f"{doc.id}.txt").write_text(doc.text, encoding="utf-8", newline="")
        (folder / f"{doc.id}.ann").write_text(format_ann(doc, events), encoding="utf-8")
        sidecar = {"id": doc.id, "meta": doc.meta, "mention_ids": [m.id for m in doc.mentions]}
        (folder / f"{doc.id}.json").write_text(json.dumps(sidecar, ensure_ascii=False, indent=1), encoding="utf-8")


def read_brat_dir(folder: str | Path) -> list[Document]:
    """Read every ``.txt``/``.ann`` pair in a folder (sorted by name)."""
    folder = Path(folder)
    docs = []
    for txt in sorted(folder.glob("*.txt")):
        ann = txt.with_suffix(".ann")
        if not ann.exists():
            raise DocumentError(f"{txt}: no matching .ann file")
        docs.append(read_brat_pair(txt, ann))
    return docs


def read_brat_pair(txt: Path, ann: Path) -> Document:
    with open(txt, encoding="utf-8", newline="") as handle:
        text = handle.read()
    sidecar_path = txt.with_suffix(".json")
    sidecar = json.loads(sidecar_path.read_text(encoding="utf-8")) if sidecar_path.exists() else {}
    ids = {f"T{i}": mid for i, mid in enumerate(sidecar.get("mention_ids", []), start=1)}
    doc = parse_ann(ann.read_text(encoding="utf-8"), text, sidecar.get("id", txt.stem), ids)
    doc.meta = sidecar.get("meta", {})
    return doc
