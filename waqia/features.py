"""Model inputs from documents: word tags, spans and candidate (action, argument) pairs.

Training builds them from gold mentions; inference builds the same spans and pairs
from predicted mentions, with the same candidate rule (``candidate_pairs``), so the
relation head sees at inference exactly the kind of pairs it was trained on.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import torch

from waqia import schema
from waqia.alignment import EncodedText, TextAligner, Window
from waqia.documents import Document, Mention


@dataclass(frozen=True)
class WordSpan:
    """A mention located in schema words (document-level word indices, inclusive)."""

    first_word: int
    last_word: int
    label: str


def locate(encoded: EncodedText, mention: Mention) -> WordSpan:
    """Word range of a mention; mentions on word boundaries map exactly."""
    starts = [w.start for w in encoded.words]
    first = bisect.bisect_left(starts, mention.start)
    ends = [w.end for w in encoded.words]
    last = bisect.bisect_left(ends, mention.end)
    last = min(max(last, first), len(encoded.words) - 1)
    return WordSpan(first, last, mention.label)


def candidate_pairs(spans: list[WordSpan], paragraph_of_word: list[int], max_distance: int) -> list[tuple[int, int]]:
    """(action, argument) index pairs the relation head scores: same paragraph, near enough."""
    actions = [i for i, s in enumerate(spans) if schema.is_action(s.label)]
    entities = [j for j, s in enumerate(spans) if schema.is_entity(s.label)]
    pairs = []
    for i in actions:
        word, paragraph = spans[i].first_word, paragraph_of_word[spans[i].first_word]
        for j in entities:
            other = spans[j].first_word
            if abs(other - word) <= max_distance and paragraph_of_word[other] == paragraph:
                pairs.append((i, j))
    return pairs


def window_spans(window: Window, spans: list[WordSpan]) -> list[int]:
    """Indices of the spans that lie wholly inside the window."""
    return [i for i, s in enumerate(spans) if window.contains(s.first_word, s.last_word)]


def span_tensors(window: Window, spans: list[WordSpan], label_index: dict[str, int]) -> dict[str, list[int]]:
    """Subword positions, label ids and window-relative word index of each span."""
    return {
        "span_first": [window.first_subword[s.first_word - window.word_start] for s in spans],
        "span_last": [window.last_subword[s.last_word - window.word_start] for s in spans],
        "span_label": [label_index[s.label] for s in spans],
        "span_word": [s.first_word - window.word_start for s in spans],
    }


def window_tags(window: Window, spans: list[WordSpan], tag_index: dict[str, int]) -> list[int]:
    """BIO tag ids for the window's words; a mention cut by the window edge starts afresh with B."""
    tags = [tag_index["O"]] * (window.word_end - window.word_start)
    for span in spans:
        first = max(span.first_word, window.word_start)
        last = min(span.last_word, window.word_end - 1)
        for word in range(first, last + 1):
            prefix = "B" if word == first else "I"
            tags[word - window.word_start] = tag_index[f"{prefix}-{span.label}"]
    return tags


class FeatureBuilder:
    """Turns gold documents into training rows, one per window."""

    def __init__(self, aligner: TextAligner, label_set: schema.LabelSet, max_pair_distance: int):
        self.aligner = aligner
        self.label_set = label_set
        self.max_pair_distance = max_pair_distance
        self.tag_index = {t: i for i, t in enumerate(label_set.tags)}
        self.label_index = {label: i for i, label in enumerate(label_set.mention_labels)}
        self.role_index = {r: i for i, r in enumerate(label_set.relation_classes)}

    def document_rows(self, doc: Document) -> list[dict]:
        encoded = self.aligner.encode_text(doc.text)
        known = [m for m in doc.mentions if m.label in self.label_index]
        spans = [locate(encoded, m) for m in known]
        index_of_id = {m.id: i for i, m in enumerate(known)}
        gold_roles: dict[tuple[int, int], int] = {}
        for rel in doc.relations:
            key = (index_of_id.get(rel.action), index_of_id.get(rel.argument))
            if None not in key and rel.role in self.role_index:
                gold_roles.setdefault(key, self.role_index[rel.role])
        pairs = (
            candidate_pairs(spans, encoded.paragraph_of_word, self.max_pair_distance) if self.label_set.roles else []
        )
        rows = []
        for window in self.aligner.windows(encoded):
            inside = window_spans(window, spans)
            local = {span_index: k for k, span_index in enumerate(inside)}
            window_pairs = [
                (local[a], local[b], gold_roles.get((a, b), 0)) for a, b in pairs if a in local and b in local
            ]
            rows.append(
                {
                    "doc_id": doc.id,
                    "word_start": window.word_start,
                    "input_ids": window.input_ids,
                    "word_index": window.first_subword,
                    "tag_ids": window_tags(window, spans, self.tag_index),
                    **span_tensors(window, [spans[i] for i in inside], self.label_index),
                    "pair_action": [a for a, _, _ in window_pairs],
                    "pair_argument": [b for _, b, _ in window_pairs],
                    "pair_role": [r for _, _, r in window_pairs],
                }
            )
        return rows


PAD_KEYS = {
    "word_index": 0,
    "tag_ids": 0,
    "span_first": 0,
    "span_last": 0,
    "span_label": 0,
    "span_word": 0,
    "pair_action": 0,
    "pair_argument": 0,
    "pair_role": 0,
}


def collate(rows: list[dict], pad_token_id: int) -> dict[str, torch.Tensor]:
    """Pad a list of rows into a batch with attention, word and pair masks."""
    batch: dict[str, torch.Tensor] = {}
    batch["input_ids"] = _pad([r["input_ids"] for r in rows], pad_token_id)
    batch["attention_mask"] = _pad([[1] * len(r["input_ids"]) for r in rows], 0)
    batch["word_mask"] = _pad([[1] * len(r["word_index"]) for r in rows], 0).bool()
    for key, value in PAD_KEYS.items():
        if key in rows[0]:
            batch[key] = _pad([r[key] for r in rows], value)
    if "pair_action" in rows[0]:
        batch["pair_mask"] = _pad([[1] * len(r["pair_action"]) for r in rows], 0).bool()
    return batch


def _pad(seqs: list[list[int]], value: int) -> torch.Tensor:
    width = max((len(s) for s in seqs), default=0)
    return torch.tensor([list(s) + [value] * (width - len(s)) for s in seqs], dtype=torch.long).reshape(
        len(seqs), width
    )
