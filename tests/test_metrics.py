"""Metrics checked against cases computed by hand."""

import pytest

from waqia.metrics import (
    ArgumentRecord,
    DocumentAnnotations,
    SpanRecord,
    argument_scores,
    bio_tags,
    evaluate_annotations,
    span_scores,
)
from waqia.schema import LabelSet

TEXT = "قصف الجيش السوري مدينة حلب أمس وقتل 5"
# words: قصف 0-3, الجيش 4-9, السوري 10-16, مدينة 17-22, حلب 23-26, أمس 27-30, وقتل 31-35, 5 36-37


def doc(mentions, arguments=()):
    return DocumentAnnotations(TEXT, [SpanRecord(*m) for m in mentions], list(arguments))


def test_bio_tags_on_schema_words():
    assert bio_tags(TEXT, [SpanRecord(4, 16, "ORG"), SpanRecord(23, 26, "GPE")]) == [
        "O",
        "B-ORG",
        "I-ORG",
        "O",
        "B-GPE",
        "O",
        "O",
        "O",
    ]


def test_strict_span_scores_by_hand():
    gold = [doc([(4, 16, "ORG"), (23, 26, "GPE"), (27, 30, "DATE")])]
    # ORG right, GPE with the wrong label, DATE missed, one spurious PER
    pred = [doc([(4, 16, "ORG"), (23, 26, "LOC"), (36, 37, "PER")])]
    scores = span_scores(gold, pred, ["PER", "ORG", "GPE", "LOC", "DATE"])
    assert scores["micro"]["precision"] == pytest.approx(1 / 3)
    assert scores["micro"]["recall"] == pytest.approx(1 / 3)
    assert scores["micro"]["f1"] == pytest.approx(1 / 3)
    # identification ignores the label: ORG and the GPE/LOC span match -> 2/3 both ways
    assert scores["identification"]["f1"] == pytest.approx(2 / 3)
    assert scores["per_label"]["ORG"]["f1"] == 1.0 and scores["per_label"]["GPE"]["recall"] == 0.0


def test_partial_span_is_wrong_in_strict_mode():
    gold = [doc([(4, 16, "ORG")])]
    pred = [doc([(4, 9, "ORG")])]
    assert span_scores(gold, pred, ["ORG"])["micro"]["f1"] == 0.0


def test_argument_f1_needs_action_span_argument_span_and_role():
    agent = ArgumentRecord((0, 3), "ATTACK", (4, 16), "AGENT")
    place = ArgumentRecord((0, 3), "ATTACK", (23, 26), "PLACE")
    time = ArgumentRecord((0, 3), "ATTACK", (27, 30), "TIME")
    gold = [doc([], [agent, place, time])]
    wrong_role = ArgumentRecord((0, 3), "ATTACK", (23, 26), "TARGET")
    wrong_span = ArgumentRecord((0, 3), "ATTACK", (4, 9), "AGENT")
    pred = [doc([], [agent, wrong_role, wrong_span])]
    scores = argument_scores(gold, pred, ["AGENT", "PLACE", "TIME", "TARGET"])
    assert scores["classification"]["precision"] == pytest.approx(1 / 3)
    assert scores["classification"]["recall"] == pytest.approx(1 / 3)
    assert scores["identification"]["f1"] == pytest.approx(2 / 3)
    assert scores["per_role"]["PLACE"]["recall"] == 0.0


def test_full_report_mean_of_three_f1():
    gold = [doc([(0, 3, "ATTACK"), (4, 16, "ORG")], [ArgumentRecord((0, 3), "ATTACK", (4, 16), "AGENT")])]
    report = evaluate_annotations(gold, gold, LabelSet())
    assert report["entities"]["micro"]["f1"] == report["triggers"]["micro"]["f1"] == 1.0
    assert report["arguments"]["classification"]["f1"] == 1.0 and report["mean_f1"] == 1.0
    empty = evaluate_annotations(gold, [doc([])], LabelSet())
    assert empty["mean_f1"] == 0.0
