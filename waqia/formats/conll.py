"""Import token-per-line CoNLL/IOB corpora (ANERcorp, AQMAR, NewsFANE, Wojood) as NER-only documents.

Tokens are joined with single spaces (sentences by a newline) so that every token
is a schema word span and mention offsets are exact. Tags may be IOB1 or IOB2:
an ``I-X`` that does not continue an ``X`` chunk opens a new one, as seqeval does.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from waqia.documents import Document, DocumentError, Mention

#: Wojood marks a line break of the source with this token.
LINE_BREAK_TOKEN = "$#$"
DROP = "-"


@dataclass
class Sentence:
    tokens: list[str]
    tags: list[str]
    line: int  # 1-based line of the first token, for error messages


def parse_label_map(spec: str) -> dict[str, str]:
    """``"PERS=PER,MISC=-"`` -> ``{"PERS": "PER", "MISC": "-"}`` ('-' drops the label)."""
    mapping = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        source, sep, target = item.partition("=")
        if not sep or not source or not target:
            raise DocumentError(f"label map item '{item}' is not SOURCE=TARGET")
        mapping[source.strip()] = target.strip()
    return mapping


def iter_sentences(path: str | Path, tag_column: int = -1) -> Iterator[Sentence]:
    """Sentences of a CoNLL file; ``tag_column`` indexes the whitespace-split columns of a line."""
    path = Path(path)
    tokens: list[str] = []
    tags: list[str] = []
    first_line = 0
    with open(path, encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, start=1):
            columns = line.split()
            if not columns:
                if tokens:
                    yield Sentence(tokens, tags, first_line)
                tokens, tags = [], []
                continue
            if len(columns) < 2:
                raise DocumentError(f"{path}:{line_no}: expected a token and at least one tag column")
            try:
                tag = columns[tag_column]
            except IndexError:
                tag = "O"  # a nested-tag file (Wojood) whose line has fewer tag columns
            if not tokens:
                first_line = line_no
            tokens.append(columns[0])
            tags.append(tag)
    if tokens:
        yield Sentence(tokens, tags, first_line)


def chunks(tags: list[str]) -> list[tuple[int, int, str]]:
    """(first token, last token + 1, type) for each IOB1/IOB2 chunk."""
    found: list[tuple[int, int, str]] = []
    current: list | None = None
    for i, tag in enumerate(tags):
        prefix, _, kind = tag.partition("-")
        continues = prefix == "I" and current is not None and current[2] == kind
        if current is not None and not continues:
            found.append(tuple(current))
            current = None
        if prefix in ("B", "I") and not continues:
            current = [i, i + 1, kind]
        elif continues:
            current[1] = i + 1
    if current is not None:
        found.append(tuple(current))
    return found


def sentence_to_text(sentence: Sentence) -> tuple[str, list[tuple[int, int]]]:
    """Join tokens into text; returns the text and each token's character span."""
    pieces, spans, cursor = [], [], 0
    for i, token in enumerate(sentence.tokens):
        if i:
            pieces.append(" ")
            cursor += 1
        surface = "\n" if token == LINE_BREAK_TOKEN else token
        pieces.append(surface)
        spans.append((cursor, cursor + len(surface)))
        cursor += len(surface)
    return "".join(pieces), spans


def read_conll(
    path: str | Path,
    tag_column: int = -1,
    label_map: dict[str, str] | None = None,
    sentences_per_doc: int = 0,
) -> list[Document]:
    """Documents of ``sentences_per_doc`` sentences each (0: one document per sentence)."""
    path = Path(path)
    sentences = list(iter_sentences(path, tag_column))
    return group_documents(sentences, sentences_per_doc or 1, path.stem, label_map or {}, str(path))


def group_documents(
    sentences: list[Sentence], per_doc: int, prefix: str, label_map: dict[str, str], source: str
) -> list[Document]:
    """Consecutive sentences, ``per_doc`` at a time, as documents ``PREFIX-00001``, …"""
    return [
        _document(f"{prefix}-{index // per_doc + 1:05d}", sentences[index : index + per_doc], label_map, source)
        for index in range(0, len(sentences), per_doc)
    ]


def _document(doc_id: str, sentences: list[Sentence], label_map: dict[str, str], source: str) -> Document:
    texts, mentions, offset = [], [], 0
    for sentence in sentences:
        text, spans = sentence_to_text(sentence)
        for first, last, kind in chunks(sentence.tags):
            label = label_map.get(kind, kind)
            if label == DROP:
                continue
            start, end = spans[first][0] + offset, spans[last - 1][1] + offset
            mentions.append(Mention(f"m{len(mentions) + 1}", start, end, label))
        texts.append(text)
        offset += len(text) + 1
    meta = {"source": source, "first_line": sentences[0].line, "sentences": len(sentences)}
    return Document(doc_id, "\n".join(texts), meta, mentions, [])
