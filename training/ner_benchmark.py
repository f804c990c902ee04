"""NER benchmark on CoNLL corpora (ANERcorp's protocol): train the product's token classifier
and score it with seqeval strict IOB2 micro F1 on the original tokens.

    python -m training.ner_benchmark --train ../shared/data/anercorp/train.txt \\
        --encoder intfloat/multilingual-e5-small --output runs/anercorp [--test TEST.txt]

The dev split is carved from the training file *by document*: the file lists articles in
order, so the last ``--dev-fraction`` of its sentences (a contiguous block of whole articles,
cut at a sentence boundary) is dev and never trained on. Settings are chosen on dev only; the
official test portion, when you hold it, is scored once with ``--test``. Sentences are grouped
``--sentences-per-doc`` at a time so that each sentence is tagged with its neighbours as context.
The model is the product's own (same encoder wrapper, CRF tagger), with the label set taken
from the data and no relation roles.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from seqeval.metrics import classification_report
from seqeval.scheme import IOB2

from training.commands import add_override_argument
from training.config import Config, NerCorpus, load_config
from waqia.documents import write_documents
from waqia.formats import conll


def token_tags_from_prediction(text: str, sentences: list[conll.Sentence], mentions) -> list[list[str]]:
    """Predicted spans back onto the original tokens (IOB2), sentence by sentence."""
    out, offset = [], 0
    for sentence in sentences:
        sentence_text, spans = conll.sentence_to_text(sentence)
        tags, previous = [], None
        for start, _end in spans:
            pos = start + offset
            owner = next((m for m in mentions if m.start <= pos < m.end), None)
            if owner is None:
                tags.append("O")
            else:
                tags.append(("I-" if owner is previous else "B-") + owner.label)
            previous = owner
        out.append(tags)
        offset += len(sentence_text) + 1
    return out


def gold_token_tags(sentence: conll.Sentence, label_map: dict) -> list[str]:
    tags = ["O"] * len(sentence.tokens)
    for first, last, kind in conll.chunks(sentence.tags):
        label = label_map.get(kind, kind)
        if label == conll.DROP:
            continue
        for i in range(first, last):
            tags[i] = ("B-" if i == first else "I-") + label
    return tags


def score(model_dir: Path, sentences: list[conll.Sentence], per_doc: int, label_map: dict) -> dict:
    from inference.extractor import load_model_and_tokenizer
    from waqia.predict import Predictor

    model, tokenizer = load_model_and_tokenizer(model_dir)
    predictor = Predictor(model, tokenizer, device="auto", precision="fp32")
    docs = conll.group_documents(sentences, per_doc, "eval", label_map, "eval")
    predictions = predictor.predict([d.text for d in docs], batch_size=16)
    y_true, y_pred = [], []
    for index, prediction in enumerate(predictions):
        group = sentences[index * per_doc : (index + 1) * per_doc]
        y_pred += token_tags_from_prediction(prediction.text, group, prediction.mentions)
        y_true += [gold_token_tags(s, label_map) for s in group]
    report = classification_report(y_true, y_pred, mode="strict", scheme=IOB2, output_dict=True, zero_division=0)
    return {
        "micro_f1": report["micro avg"]["f1-score"],
        "micro_precision": report["micro avg"]["precision"],
        "micro_recall": report["micro avg"]["recall"],
        "per_label": {
            k: {m: float(v[m]) for m in ("precision", "recall", "f1-score", "support")}
            for k, v in report.items()
            if "avg" not in k
        },
        "sentences": len(sentences),
    }


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m training.ner_benchmark", description=__doc__.split("\n")[0])
    p.add_argument("--train", required=True, help="CoNLL file (token tag per line)")
    p.add_argument("--test", help="official test file, scored once at the end")
    p.add_argument("--encoder", default="intfloat/multilingual-e5-small")
    p.add_argument("--output", required=True, help="folder for the model, splits and report.json")
    p.add_argument("--dev-fraction", type=float, default=0.1)
    p.add_argument("--sentences-per-doc", type=int, default=4)
    p.add_argument("--tag-column", type=int, default=-1)
    p.add_argument("--label-map", default="", help="e.g. PERS=PER")
    p.add_argument(
        "--extra",
        action="append",
        default=[],
        metavar="PATH[:MAP]",
        help="extra CoNLL training data, e.g. aqmar/all.txt:PER=PERS. Not NewsFANE for ANERcorp: it is the same "
        "text re-annotated, dev articles included, so it would leak dev into training",
    )
    add_override_argument(p)
    return p.parse_args(argv)


def build_config(args, train_path: Path, dev_path: Path, output: Path) -> Config:
    overrides = [
        f"encoder={args.encoder}",
        f"data.train=[{train_path}]",
        f"data.dev=[{dev_path}]",
        "model.mention_labels=[from-data]",
        "model.roles=[]",
        # The schedule chosen on ANERcorp dev with e5-small (README, "NER on ANERcorp").
        "training.epochs=8",
        "training.batch_size=8",
        "training.encoder_lr=1.5e-4",
        "training.head_lr=3.0e-3",
        "training.freeze_embeddings=true",
        "training.patience=3",
        f"training.output_dir={output}",
        *args.overrides,
    ]
    cfg = load_config(None, overrides)
    for spec in args.extra:
        path, _, mapping = spec.partition(":")
        cfg.data.extra_ner.append(
            NerCorpus(path=path, label_map=conll.parse_label_map(mapping), sentences_per_doc=args.sentences_per_doc)
        )
    return cfg


def main(argv: list[str] | None = None) -> int:
    from training.train import train

    args = parse_args(argv)
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    label_map = conll.parse_label_map(args.label_map)
    sentences = list(conll.iter_sentences(args.train, args.tag_column))
    cut = int(len(sentences) * (1 - args.dev_fraction))
    train_sentences, dev_sentences = sentences[:cut], sentences[cut:]
    write_documents(
        conll.group_documents(train_sentences, args.sentences_per_doc, "train", label_map, args.train),
        output / "train.jsonl",
    )
    write_documents(
        conll.group_documents(dev_sentences, args.sentences_per_doc, "dev", label_map, args.train), output / "dev.jsonl"
    )
    cfg = build_config(args, output / "train.jsonl", output / "dev.jsonl", output)
    best = train(cfg, output)
    report = {
        "command": " ".join(["python -m training.ner_benchmark", *(argv if argv is not None else sys.argv[1:])]),
        "encoder": args.encoder,
        "train_sentences": len(train_sentences),
        "dev": score(best, dev_sentences, args.sentences_per_doc, label_map),
        "published_reference_micro_f1": {"AraBERT v0.1": 83.1, "AraBERT v1": 82.4, "AraBERT v0.2": 81.3},
    }
    if args.test:
        report["test"] = score(
            best, list(conll.iter_sentences(args.test, args.tag_column)), args.sentences_per_doc, label_map
        )
    (output / "report.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(json.dumps({k: report[k]["micro_f1"] for k in ("dev", "test") if k in report}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
