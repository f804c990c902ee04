"""``waqia evaluate --model DIR --data FILE``: strict scores of a saved model on gold documents.

Training calls ``evaluate_model`` on dev after every epoch, through the same
``Predictor`` that users run, so the figures describe the shipped code path.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from waqia.documents import Document, read_corpus
from waqia.metrics import annotations_from_document, evaluate_annotations, format_report
from waqia.predict import Predictor, prediction_annotations


def evaluate_model(predictor: Predictor, docs: list[Document], batch_size: int = 16) -> dict:
    predictions = predictor.predict([d.text for d in docs], batch_size=batch_size)
    gold = [annotations_from_document(d) for d in docs]
    pred = [prediction_annotations(p) for p in predictions]
    return evaluate_annotations(gold, pred, predictor.model.config.label_set)


def cmd_evaluate(args: argparse.Namespace) -> int:
    from inference.extractor import load_model_and_tokenizer

    model, tokenizer = load_model_and_tokenizer(args.model)
    predictor = Predictor(model, tokenizer, device=args.device, precision=args.precision)
    docs = read_corpus(args.data)
    if not docs:
        print(f"error: no documents in {' '.join(args.data)}", file=sys.stderr)
        return 1
    report = evaluate_model(predictor, docs, args.batch_size)
    report["model"], report["data"], report["precision_mode"] = args.model, args.data, predictor.precision
    print(format_report(report))
    if args.output:
        Path(args.output).write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0
