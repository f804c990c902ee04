"""Converters: inline markup, brat standoff (R and E lines), CoNLL import."""

import pytest

from tests.conftest import SHARED
from waqia.documents import Document, Mention, Relation
from waqia.formats import brat, conll, inline


def test_inline_markup_gives_exact_offsets_and_relations():
    source = (
        "@id t1\n@date 2024-01-02\n\n"
        '[قصفت|ATTACK|a] طائرات "[داعش|ORG|o]" [حلب|GPE] [أمس|DATE|d].\n'
        "===\na AGENT o\na TIME d\n"
    )
    doc = inline.parse_inline(source)
    assert doc.id == "t1" and doc.meta == {"date": "2024-01-02"}
    assert doc.text == 'قصفت طائرات "داعش" حلب أمس.'
    assert [doc.mention_text(m) for m in doc.mentions] == ["قصفت", "داعش", "حلب", "أمس"]
    assert [(r.action, r.role, r.argument) for r in doc.relations] == [("m1", "AGENT", "m2"), ("m1", "TIME", "m4")]
    again = inline.parse_inline(inline.format_inline(doc))
    assert again.to_dict() == doc.to_dict()


def test_inline_rejects_unknown_relation_ids():
    with pytest.raises(ValueError, match="unknown mention id 'zz'"):
        inline.parse_inline("[قصف|ATTACK|a]\n===\na AGENT zz\n")


@pytest.mark.parametrize("events", [False, True])
def test_brat_round_trip_is_identical_on_the_corpus(tmp_path, corpus, events):
    brat.write_brat_dir(corpus, tmp_path, events=events)
    back = {d.id: d for d in brat.read_brat_dir(tmp_path)}
    assert len(back) == len(corpus)
    for doc in corpus:
        assert back[doc.id].to_dict() == doc.to_dict()


def test_brat_event_lines_and_numbered_roles_are_read():
    text = "قصف الجيش حلب وحمص"
    ann = (
        "T1\tATTACK 0 3\tقصف\nT2\tORG 4 9\tالجيش\nT3\tGPE 10 13\tحلب\nT4\tGPE 14 18\tوحمص\n"
        "E1\tATTACK:T1 AGENT:T2 PLACE:T3 PLACE2:T4\n"
    )
    doc = brat.parse_ann(ann, text, "x")
    assert [(r.action, r.argument, r.role) for r in doc.relations] == [
        ("T1", "T2", "AGENT"),
        ("T1", "T3", "PLACE"),
        ("T1", "T4", "PLACE"),
    ]
    assert "E1\tATTACK:T1 AGENT:T2 PLACE:T3 PLACE:T4" in brat.format_ann(doc, events=True)


def test_brat_reports_a_span_that_does_not_match_the_text():
    with pytest.raises(ValueError, match="x.ann:1"):
        brat.parse_ann("T1\tORG 0 3\tشيء\n", "قصف الجيش", "x")


def test_iob1_and_iob2_chunks():
    assert conll.chunks(["B-PER", "I-PER", "O", "I-LOC", "I-LOC", "B-LOC", "I-ORG"]) == [
        (0, 2, "PER"),
        (3, 5, "LOC"),
        (5, 6, "LOC"),
        (6, 7, "ORG"),
    ]


def test_conll_import_with_label_map_and_tag_column(tmp_path):
    path = tmp_path / "x.tsv"
    path.write_text(
        "زار\tO\tO\nبشار\tB-Leader\tB-PERS\nالأسد\tI-Leader\tI-PERS\nحلب\tB-City\tB-LOC\n\nقال\tO\tO\nروما\tB-City\tB-MISC\n",
        encoding="utf-8",
    )
    docs = conll.read_conll(path, tag_column=-1, label_map={"PERS": "PER", "MISC": "-"})
    assert len(docs) == 2
    assert [(docs[0].mention_text(m), m.label) for m in docs[0].mentions] == [("بشار الأسد", "PER"), ("حلب", "LOC")]
    assert docs[1].mentions == []
    fine = conll.read_conll(path, tag_column=1, sentences_per_doc=2)
    assert len(fine) == 1 and [m.label for m in fine[0].mentions] == ["Leader", "City", "City"]
    assert fine[0].text.split("\n")[1] == "قال روما"


def _independent_counts(path, column):
    """Sentences and chunk starts counted straight from the file, without the importer."""
    sentences = entities = 0
    previous, in_sentence = "O", False
    for line in open(path, encoding="utf-8"):
        cols = line.split()
        if not cols:
            sentences += in_sentence
            in_sentence, previous = False, "O"
            continue
        in_sentence = True
        tag = cols[column] if len(cols) > abs(column) or column < 0 else "O"
        if column > 0 and len(cols) <= column:
            tag = "O"
        kind = tag[2:]
        if tag.startswith("B-") or (tag.startswith("I-") and previous[2:] != kind):
            entities += 1
        previous = tag if tag != "O" else "O"
    return sentences + in_sentence, entities


CORPORA = [
    ("anercorp/train.txt", -1, 4165),
    ("newsfane/train.tsv", -1, 3852),
    ("wikifane/all.tsv", -1, 15763),
    ("aqmar/all.txt", -1, 2687),
    ("wojood_sample/train.txt", 1, 1114),
    ("wojood_sample/val.txt", 1, 158),
]


@pytest.mark.parametrize("name, column, sentences", CORPORA)
def test_conll_importer_reads_every_shared_corpus(name, column, sentences):
    path = SHARED / "data" / name
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared corpora sit beside the repository)")
    docs = conll.read_conll(path, tag_column=column)
    expected_sentences, expected_entities = _independent_counts(path, column)
    assert len(docs) == sentences == expected_sentences
    assert sum(len(d.mentions) for d in docs) == expected_entities
    doc = docs[0]
    for m in doc.mentions:
        assert doc.text[m.start : m.end].strip() == doc.text[m.start : m.end]


def test_documents_round_trip_through_jsonl(tmp_path):
    from waqia.documents import read_documents, write_documents

    doc = Document(
        "a",
        "قصف حلب",
        {"split": "dev"},
        [Mention("m1", 0, 3, "ATTACK"), Mention("m2", 4, 7, "GPE")],
        [Relation("m1", "m2", "PLACE")],
    )
    write_documents([doc], tmp_path / "a.jsonl")
    assert read_documents(tmp_path / "a.jsonl")[0].to_dict() == doc.to_dict()
