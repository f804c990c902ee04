"""Text -> words -> subword windows, and back to character offsets."""

import pytest
from transformers import AutoTokenizer

from waqia.alignment import TextAligner
from waqia.features import FeatureBuilder, candidate_pairs, locate
from waqia.normalize import normalize_word
from waqia.schema import LabelSet
from waqia.words import is_boundary, split_words


def test_words_follow_the_schema_definition():
    text = "وأفاد «المرصد» بمقتل 25، أمس."
    words = [text[w.start : w.end] for w in split_words(text)]
    assert words == ["وأفاد", "«", "المرصد", "»", "بمقتل", "25", "،", "أمس", "."]
    assert is_boundary(text, 0) and not is_boundary(text, 2) and is_boundary(text, 5)


def test_normalisation_never_changes_offsets():
    assert normalize_word("قُتِلَ", "light") == "قتل"
    assert normalize_word("الـــقصف", "arabert") == "القصف"
    assert normalize_word("ـ", "light") == "ـ"
    with pytest.raises(ValueError):
        normalize_word("x", "loud")


@pytest.fixture(scope="module")
def tokenizer(tiny_encoder):
    return AutoTokenizer.from_pretrained(tiny_encoder)


@pytest.mark.parametrize("window_length, overlap", [(512, 64), (128, 32), (48, 16)])
def test_windows_never_drop_a_mention_or_relation(corpus, tokenizer, window_length, overlap):
    """Every mention lies whole in some window, and so does every relation's pair of mentions."""
    aligner = TextAligner(tokenizer, window_length, overlap)
    builder = FeatureBuilder(aligner, LabelSet(), max_pair_distance=10**6)
    lost_mentions = lost_relations = 0
    for doc in corpus:
        encoded = aligner.encode_text(doc.text)
        windows = aligner.windows(encoded)
        assert all(len(w.input_ids) <= window_length for w in windows)
        covered = sorted({i for w in windows for i in range(w.word_start, w.word_end)})
        assert covered == list(range(len(encoded.words)))
        spans = {m.id: locate(encoded, m) for m in doc.mentions}
        for m in doc.mentions:
            s = spans[m.id]
            assert encoded.word_span(s.first_word, s.last_word) == (m.start, m.end)
            lost_mentions += not any(w.contains(s.first_word, s.last_word) for w in windows)
        for r in doc.relations:
            a, b = spans[r.action], spans[r.argument]
            first, last = min(a.first_word, b.first_word), max(a.last_word, b.last_word)
            lost_relations += not any(w.contains(first, last) for w in windows)
        if window_length >= 128:
            rows = builder.document_rows(doc)
            gold_in_rows = sum(sum(1 for role in row["pair_role"] if role) for row in rows)
            assert gold_in_rows >= len({(r.action, r.argument) for r in doc.relations})
    assert lost_mentions == 0
    if window_length >= 128:
        assert lost_relations == 0


def test_special_tokens_come_from_the_tokenizer(tokenizer):
    aligner = TextAligner(tokenizer, 64, 16)
    window = aligner.windows(aligner.encode_text("قصف الجيش حلب"))[0]
    assert window.input_ids[0] == tokenizer.cls_token_id and window.input_ids[-1] == tokenizer.sep_token_id
    assert window.first_subword[0] == 1


def test_candidate_pairs_stay_in_one_paragraph_and_window_of_distance(seed_doc, tokenizer):
    aligner = TextAligner(tokenizer, 512, 64)
    encoded = aligner.encode_text(seed_doc.text)
    spans = [locate(encoded, m) for m in seed_doc.mentions]
    pairs = candidate_pairs(spans, encoded.paragraph_of_word, max_distance=48)
    assert pairs
    for a, b in pairs:
        assert spans[a].label in LabelSet().mention_labels
        assert encoded.paragraph_of_word[spans[a].first_word] == encoded.paragraph_of_word[spans[b].first_word]
        assert abs(spans[a].first_word - spans[b].first_word) <= 48
