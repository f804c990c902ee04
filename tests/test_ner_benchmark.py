"""The ANERcorp-protocol benchmark: dev carved by position, token tags back from spans, a full run."""

from __future__ import annotations

import json
import random

from training import ner_benchmark
from waqia.documents import Mention
from waqia.formats import conll

PEOPLE = ["محمد علي", "سعاد حسن", "خالد", "ليلى عمر", "يوسف"]
PLACES = ["بغداد", "عمان", "القاهرة", "دمشق", "بيروت"]
BODIES = ["وزارة الدفاع", "الأمم المتحدة", "البنك الدولي"]


def synthetic_conll(path, sentences: int, seed: int = 0) -> None:
    """ANERcorp-shaped lines (`token tag`, blank line between sentences) from a few templates."""
    rng = random.Random(seed)
    lines = []
    for _ in range(sentences):
        person, place, body = rng.choice(PEOPLE), rng.choice(PLACES), rng.choice(BODIES)
        tagged = [("قال", "O")]
        tagged += [(w, ("B-" if i == 0 else "I-") + "PERS") for i, w in enumerate(person.split())]
        tagged += [("في", "O"), (place, "B-LOC"), ("إن", "O")]
        tagged += [(w, ("B-" if i == 0 else "I-") + "ORG") for i, w in enumerate(body.split())]
        tagged += [("وافقت", "O"), ("على", "O"), ("الخطة", "O"), (".", "O")]
        lines += [f"{token} {tag}" for token, tag in tagged] + [""]
    path.write_text("\n".join(lines), encoding="utf-8")


def test_predicted_spans_map_back_to_iob2_tags_per_token():
    sentences = [
        conll.Sentence(tokens=["زار", "محمد", "علي", "بغداد"], tags=["O", "B-PERS", "I-PERS", "B-LOC"], line=1),
        conll.Sentence(tokens=["ثم", "عمان"], tags=["O", "B-LOC"], line=6),
    ]
    text = "زار محمد علي بغداد ثم عمان"
    mentions = [
        Mention("m1", text.index("محمد"), text.index("محمد") + len("محمد علي"), "PERS"),
        Mention("m2", text.index("بغداد"), text.index("بغداد") + len("بغداد"), "LOC"),
        Mention("m3", text.index("عمان"), text.index("عمان") + len("عمان"), "LOC"),
    ]
    assert ner_benchmark.token_tags_from_prediction(text, sentences, mentions) == [
        ["O", "B-PERS", "I-PERS", "B-LOC"],
        ["O", "B-LOC"],
    ]


def test_benchmark_runs_end_to_end_and_reports_per_label_scores(tmp_path):
    synthetic_conll(tmp_path / "train.txt", 60)
    synthetic_conll(tmp_path / "test.txt", 12, seed=1)
    output = tmp_path / "run"
    argv = ["--train", str(tmp_path / "train.txt"), "--test", str(tmp_path / "test.txt"), "--encoder", "tiny"]
    argv += ["--output", str(output), "--sentences-per-doc", "2", "--dev-fraction", "0.2"]
    argv += ["--set", "training.epochs=25", "--set", "training.head_lr=1.0e-2", "--set", "training.encoder_lr=1.0e-3"]
    assert ner_benchmark.main(argv) == 0
    report = json.loads((output / "report.json").read_text(encoding="utf-8"))
    assert report["train_sentences"] == 48 and report["dev"]["sentences"] == 12
    assert set(report["dev"]["per_label"]) == {"LOC", "ORG", "PERS"}
    assert report["dev"]["micro_f1"] > 0.9
    assert report["test"]["micro_f1"] > 0.9
    assert (output / "best" / "model.safetensors").exists()
