"""The annotated corpus: splits, size, label coverage and originality (issue: corpus big enough to train on)."""

import re
from collections import Counter
from itertools import combinations

from tests.conftest import SEED_ID, SHARED
from waqia import schema


def test_every_document_has_a_split_and_the_seed_is_in_test(corpus):
    assert {d.split for d in corpus} == set(schema.SPLITS)
    assert next(d for d in corpus if d.id == SEED_ID).split == "test"


def test_split_files_hold_only_their_split(corpus):
    from tests.conftest import ANNOTATIONS
    from waqia.documents import read_documents

    for split in schema.SPLITS:
        assert {d.split for d in read_documents(ANNOTATIONS / f"{split}.jsonl")} == {split}


def test_seed_text_is_unchanged(seed_doc):
    path = SHARED / "seed" / f"{SEED_ID}.txt"
    if path.exists():
        assert seed_doc.text == path.read_text(encoding="utf-8")


def test_corpus_size_and_training_coverage(corpus):
    assert len(corpus) >= 150
    train = [d for d in corpus if d.split == "train"]
    labels = Counter(m.label for d in train for m in d.mentions)
    roles = Counter(r.role for d in train for r in d.relations)
    for label in schema.ACTION_LABELS:
        assert labels[label] >= 40, label
    for label in schema.ENTITY_LABELS:
        assert labels[label] >= 80, label
    for role in schema.ROLES:
        assert roles[role] >= (40 if role in ("INSTRUMENT", "COUNT") else 60), role
    words = [len(d.text.split()) for d in corpus if d.id != SEED_ID]
    assert min(words) >= 150 and max(words) <= 700


def _four_grams(text: str) -> set:
    words = re.findall(r"\w+", text)
    return set(zip(words, words[1:], words[2:], words[3:]))


def test_no_two_articles_share_more_than_30_percent_of_their_4grams(corpus):
    grams = {d.id: _four_grams(d.text) for d in corpus}
    worst = max((len(grams[a] & grams[b]) / min(len(grams[a]), len(grams[b])), a, b) for a, b in combinations(grams, 2))
    assert worst[0] <= 0.30, worst


def test_articles_are_marked_as_written_for_the_project(corpus):
    for doc in corpus:
        if doc.id != SEED_ID:
            assert "written for" in doc.meta.get("source", ""), doc.id
            assert doc.meta.get("licence"), doc.id
