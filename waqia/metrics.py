"""Exact evaluation: seqeval strict span F1 for entities and triggers, and argument F1.

An argument counts only when its action span, argument span and role are all
right (the strict setting of Taillé et al. 2020); the identification variants
drop the label or role. Spans are compared on schema words, so gold and
predicted mentions are read on exactly the same segmentation.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from seqeval.metrics import classification_report
from seqeval.scheme import IOB2

from waqia import schema
from waqia.words import split_words


@dataclass(frozen=True)
class SpanRecord:
    start: int
    end: int
    label: str


@dataclass(frozen=True)
class ArgumentRecord:
    action: tuple[int, int]
    action_label: str
    argument: tuple[int, int]
    role: str


@dataclass
class DocumentAnnotations:
    """Gold or predicted mentions and arguments of one text, by character offsets."""

    text: str
    mentions: list[SpanRecord]
    arguments: list[ArgumentRecord]


def bio_tags(
    text: str, mentions: Sequence[SpanRecord], keep: set[str] | None = None, merge_labels: bool = False
) -> list[str]:
    """Word-level IOB2 tags of ``mentions`` (restricted to ``keep`` labels)."""
    words = split_words(text)
    tags = ["O"] * len(words)
    for mention in sorted(mentions, key=lambda m: m.start):
        if keep is not None and mention.label not in keep:
            continue
        label = "SPAN" if merge_labels else mention.label
        inside = [i for i, w in enumerate(words) if w.start >= mention.start and w.end <= mention.end]
        for k, i in enumerate(inside):
            tags[i] = ("B-" if k == 0 else "I-") + label
    return tags


def prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float]:
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "support": n_gold, "predicted": n_pred}


def span_scores(
    gold: Sequence[DocumentAnnotations], pred: Sequence[DocumentAnnotations], labels: Sequence[str]
) -> dict:
    """seqeval strict (IOB2) micro P/R/F1 and per-label figures, plus identification only."""
    keep = set(labels)
    y_true = [bio_tags(g.text, g.mentions, keep) for g in gold]
    y_pred = [bio_tags(g.text, p.mentions, keep) for g, p in zip(gold, pred)]
    report = classification_report(y_true, y_pred, mode="strict", scheme=IOB2, output_dict=True, zero_division=0)
    per_label = {label: _seqeval_row(report.get(label)) for label in labels}
    id_true = [bio_tags(g.text, g.mentions, keep, merge_labels=True) for g in gold]
    id_pred = [bio_tags(g.text, p.mentions, keep, merge_labels=True) for g, p in zip(gold, pred)]
    id_report = classification_report(id_true, id_pred, mode="strict", scheme=IOB2, output_dict=True, zero_division=0)
    return {
        "micro": _seqeval_row(report.get("micro avg")),
        "identification": _seqeval_row(id_report.get("micro avg")),
        "per_label": per_label,
    }


def _seqeval_row(row: dict | None) -> dict[str, float]:
    if row is None:
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    return {
        "precision": float(row["precision"]),
        "recall": float(row["recall"]),
        "f1": float(row["f1-score"]),
        "support": int(row["support"]),
    }


def argument_scores(
    gold: Sequence[DocumentAnnotations], pred: Sequence[DocumentAnnotations], roles: Sequence[str]
) -> dict:
    """Argument classification (action span + argument span + role) and identification F1."""
    gold_sets = [{(a.action, a.argument, a.role) for a in g.arguments} for g in gold]
    pred_sets = [{(a.action, a.argument, a.role) for a in p.arguments} for p in pred]
    result = {"classification": _set_prf(gold_sets, pred_sets)}
    result["identification"] = _set_prf(
        [{k[:2] for k in s} for s in gold_sets], [{k[:2] for k in s} for s in pred_sets]
    )
    result["per_role"] = {
        role: _set_prf(
            [{k for k in s if k[2] == role} for s in gold_sets], [{k for k in s if k[2] == role} for s in pred_sets]
        )
        for role in roles
    }
    return result


def _set_prf(gold_sets: list[set], pred_sets: list[set]) -> dict[str, float]:
    tp = sum(len(g & p) for g, p in zip(gold_sets, pred_sets))
    return prf(tp, sum(map(len, pred_sets)), sum(map(len, gold_sets)))


def evaluate_annotations(
    gold: Sequence[DocumentAnnotations], pred: Sequence[DocumentAnnotations], label_set: schema.LabelSet
) -> dict:
    """The full report: entities, triggers (actions), arguments, and their mean F1 for model selection."""
    entity_labels = [label for label in label_set.mention_labels if label not in schema.ACTION_LABELS]
    action_labels = [label for label in label_set.mention_labels if label in schema.ACTION_LABELS]
    report = {"entities": span_scores(gold, pred, entity_labels)}
    headline = [report["entities"]["micro"]["f1"]]
    if action_labels:
        report["triggers"] = span_scores(gold, pred, action_labels)
        headline.append(report["triggers"]["micro"]["f1"])
    if label_set.roles:
        report["arguments"] = argument_scores(gold, pred, label_set.roles)
        headline.append(report["arguments"]["classification"]["f1"])
    report["mean_f1"] = sum(headline) / len(headline)
    report["documents"] = len(gold)
    report["label_counts"] = dict(Counter(m.label for g in gold for m in g.mentions))
    return report


def format_report(report: dict) -> str:
    """A readable table of the report (what ``evaluate`` prints)."""
    lines = [f"{'':24}{'P':>8}{'R':>8}{'F1':>8}{'gold':>8}"]

    def row(name: str, r: dict) -> None:
        lines.append(
            f"{name:24}{100 * r['precision']:8.1f}{100 * r['recall']:8.1f}{100 * r['f1']:8.1f}{r['support']:8d}"
        )

    for part in ("entities", "triggers"):
        if part in report:
            row(f"{part} (micro)", report[part]["micro"])
            row(f"{part} (identification)", report[part]["identification"])
            for label, r in report[part]["per_label"].items():
                row(f"  {label}", r)
    if "arguments" in report:
        row("arguments (classif.)", report["arguments"]["classification"])
        row("arguments (ident.)", report["arguments"]["identification"])
        for role, r in report["arguments"]["per_role"].items():
            row(f"  {role}", r)
    lines.append(f"mean F1: {100 * report['mean_f1']:.1f} over {report['documents']} documents")
    return "\n".join(lines)


def annotations_from_document(doc) -> DocumentAnnotations:
    """Gold side of the comparison, from a ``waqia.documents.Document``."""
    by_id = doc.mention_by_id()
    arguments = []
    for rel in doc.relations:
        action, argument = by_id.get(rel.action), by_id.get(rel.argument)
        if action is not None and argument is not None:
            arguments.append(
                ArgumentRecord((action.start, action.end), action.label, (argument.start, argument.end), rel.role)
            )
    return DocumentAnnotations(doc.text, [SpanRecord(m.start, m.end, m.label) for m in doc.mentions], arguments)
