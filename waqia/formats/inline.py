"""Inline annotation: a plain-text format for writing and reviewing annotations by hand.

Offsets are easy for programs and hard for people; inline markup is the reverse.
A file looks like::

    @id sy-0007
    @date 2024-03-02

    [قصفت|ATTACK|a1] [طائرات|WEAPON|w1] [حلب|GPE|g1] [أمس|DATE].

    ===
    a1 INSTRUMENT w1
    a1 PLACE g1

``@key value`` header lines become ``meta`` (``@id`` the document id), ``[text|LABEL]``
or ``[text|LABEL|id]`` marks a mention, and the lines after ``===`` are relations
``ACTION_ID ROLE ARGUMENT_ID``. Mentions get ids ``m1, m2, …`` in text order; the
author's ids only serve to write relations. A ``[`` that does not open valid markup
is kept as text.
"""

from __future__ import annotations

import re
from pathlib import Path

from waqia.documents import Document, DocumentError, Mention, Relation

MARKUP = re.compile(r"\[([^\[\]|\n]+)\|([A-Z]+)(?:\|([^\[\]|\s]+))?\]")
SEPARATOR = "==="


def parse_inline(source: str, default_id: str = "") -> Document:
    """Turn inline-annotated text into a document; malformed relations raise DocumentError."""
    header, body, relation_lines = _split_sections(source)
    meta = dict(header)
    doc_id = meta.pop("id", default_id)
    text_parts: list[str] = []
    mentions: list[Mention] = []
    author_ids: dict[str, str] = {}
    cursor = length = 0
    for match in MARKUP.finditer(body):
        literal = body[cursor : match.start()]
        text_parts.append(literal)
        length += len(literal)
        surface, label, author_id = match.groups()
        mention = Mention(f"m{len(mentions) + 1}", length, length + len(surface), label)
        if author_id:
            if author_id in author_ids:
                raise DocumentError(f"{doc_id}: mention id '{author_id}' used twice")
            author_ids[author_id] = mention.id
        mentions.append(mention)
        text_parts.append(surface)
        length += len(surface)
        cursor = match.end()
    text_parts.append(body[cursor:])
    relations = [_parse_relation(line, author_ids, doc_id) for line in relation_lines]
    return Document(doc_id, "".join(text_parts), meta, mentions, relations)


def _split_sections(source: str) -> tuple[list[tuple[str, str]], str, list[str]]:
    lines = source.split("\n")
    header: list[tuple[str, str]] = []
    while lines and (lines[0].startswith("@") or not lines[0].strip()):
        line = lines.pop(0)
        if line.strip():
            key, _, value = line[1:].partition(" ")
            header.append((key.strip(), value.strip()))
    if SEPARATOR in lines:
        cut = lines.index(SEPARATOR)
        body_lines, relation_lines = lines[:cut], lines[cut + 1 :]
    else:
        body_lines, relation_lines = lines, []
    body = "\n".join(body_lines).strip("\n")
    return header, body, [line.strip() for line in relation_lines if line.strip() and not line.startswith("#")]


def _parse_relation(line: str, author_ids: dict[str, str], doc_id: str) -> Relation:
    parts = line.split()
    if len(parts) != 3:
        raise DocumentError(f"{doc_id}: relation line '{line}' is not 'ACTION_ID ROLE ARGUMENT_ID'")
    action, role, argument = parts
    for ref in (action, argument):
        if ref not in author_ids:
            raise DocumentError(f"{doc_id}: relation line '{line}' names unknown mention id '{ref}'")
    return Relation(author_ids[action], author_ids[argument], role)


def format_inline(doc: Document) -> str:
    """Write a document as inline markup (the inverse of ``parse_inline`` up to mention ids)."""
    header = [f"@id {doc.id}"] + [f"@{key} {value}" for key, value in doc.meta.items()]
    pieces, cursor = [], 0
    for mention in sorted(doc.mentions, key=lambda m: m.start):
        pieces.append(doc.text[cursor : mention.start])
        pieces.append(f"[{doc.text[mention.start : mention.end]}|{mention.label}|{mention.id}]")
        cursor = mention.end
    pieces.append(doc.text[cursor:])
    relations = [f"{r.action} {r.role} {r.argument}" for r in doc.relations]
    return "\n".join(header) + "\n\n" + "".join(pieces) + "\n\n" + SEPARATOR + "\n" + "\n".join(relations) + "\n"


def read_inline(path: str | Path) -> Document:
    path = Path(path)
    return parse_inline(path.read_text(encoding="utf-8"), default_id=path.stem)
