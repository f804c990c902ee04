"""Throughput benchmark: ``python -m inference.benchmark --model DIR``.

Measures, on the same texts and the same encoder:
- ``waqia``: ``Extractor.pipe`` end to end (windows, encoder, tags, relations, events);
- ``hf-pipeline``: the ``transformers`` token-classification pipeline (aggregation "simple",
  stride for long texts), the usual way to run a tagger over documents;
- ``bare-forward``: the encoder alone over the same windows, length-sorted, no heads and no
  decoding: the ceiling for any method built on this encoder.
Each runs in its own subprocess so that peak memory (max RSS) is its own. Tokens/s counts the
encoder's subword tokens of the texts once (special tokens and padding excluded).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from waqia.documents import read_corpus

MODES = ("waqia", "waqia-bf16", "hf-pipeline", "bare-forward")


def load_texts(paths: list[str], n_docs: int) -> list[str]:
    texts = [d.text for d in read_corpus(paths)]
    return [texts[i % len(texts)] for i in range(n_docs)]


def count_tokens(tokenizer, texts: list[str]) -> int:
    return sum(len(tokenizer(t, add_special_tokens=False)["input_ids"]) for t in texts)


def run_mode(mode: str, model_dir: str, texts: list[str], batch_size: int) -> tuple[dict, object]:
    """Time one mode; returns its figures and the tokenizer it used (for counting tokens)."""
    import torch

    from inference.extractor import Extractor, load_model_and_tokenizer

    if mode.startswith("waqia"):
        precision = "bf16" if mode.endswith("bf16") else "fp32"
        extractor = Extractor.from_pretrained(model_dir, device="cpu", precision=precision)
        list(extractor.pipe(texts[:2], batch_size=batch_size))  # warm-up
        started = time.perf_counter()
        results = list(extractor.pipe(texts, batch_size=batch_size, chunk_size=256))
        seconds = time.perf_counter() - started
        return {"seconds": seconds, "events": sum(len(r.events) for r in results)}, extractor.predictor.tokenizer
    model, tokenizer = load_model_and_tokenizer(model_dir)
    if mode == "bare-forward":
        from waqia.features import collate
        from waqia.predict import Predictor

        predictor = Predictor(model, tokenizer, device="cpu", precision="fp32")
        encoder = model.encoder.eval()
        windows = [w for t in texts for w in predictor.aligner.windows(predictor.aligner.encode_text(t))]
        windows.sort(key=lambda w: len(w.input_ids))
        started = time.perf_counter()
        with torch.inference_mode():
            for begin in range(0, len(windows), batch_size):
                rows = [
                    {"input_ids": w.input_ids, "word_index": w.first_subword}
                    for w in windows[begin : begin + batch_size]
                ]
                batch = collate(rows, tokenizer.pad_token_id or 0)
                encoder(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
        return {"seconds": time.perf_counter() - started, "windows": len(windows)}, tokenizer
    if mode == "hf-pipeline":
        from transformers import AutoModelForTokenClassification, pipeline

        encoder_dir = Path(os.environ.get("WAQIA_BENCH_TMP", "/tmp")) / "waqia-bench-encoder"
        model.encoder.save_pretrained(encoder_dir)
        tokenizer.save_pretrained(encoder_dir)
        tagger = AutoModelForTokenClassification.from_pretrained(encoder_dir, num_labels=len(model.tags))
        runner = pipeline(
            "token-classification",
            model=tagger,
            tokenizer=tokenizer,
            aggregation_strategy="simple",
            stride=32,
            device=-1,
        )
        runner(texts[:2], batch_size=batch_size)
        started = time.perf_counter()
        runner(texts, batch_size=batch_size)
        return {"seconds": time.perf_counter() - started}, tokenizer
    raise ValueError(mode)


def child(args: argparse.Namespace) -> None:
    texts = load_texts(args.data, args.docs)
    result, tokenizer = run_mode(args.mode, args.model, texts, args.batch_size)
    tokens = count_tokens(tokenizer, texts)
    result.update(
        mode=args.mode,
        docs=len(texts),
        tokens=tokens,
        docs_per_s=len(texts) / result["seconds"],
        tokens_per_s=tokens / result["seconds"],
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )
    print(json.dumps(result))


def parent(args: argparse.Namespace) -> None:
    import torch

    from waqia.predict import cpu_supports_bf16

    rows = []
    for mode in args.modes:
        cmd = [
            sys.executable,
            "-m",
            "inference.benchmark",
            "--child",
            "--mode",
            mode,
            "--model",
            args.model,
            "--docs",
            str(args.docs),
            "--batch-size",
            str(args.batch_size),
            "--data",
            *args.data,
        ]
        out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "TRANSFORMERS_VERBOSITY": "error"})
        if out.returncode != 0:
            print(f"{mode} failed:\n{out.stderr[-2000:]}", file=sys.stderr)
            continue
        row = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(row)
        rate = f"{row['docs_per_s']:8.2f} docs/s {row['tokens_per_s']:9.0f} tokens/s"
        print(f"{mode:14} {rate}  peak {row['peak_rss_mb']:7.0f} MB", flush=True)
    by_mode = {r["mode"]: r for r in rows}
    report = {"model": args.model, "threads": torch.get_num_threads(), "cpu_bf16": cpu_supports_bf16(), "results": rows}
    if "waqia" in by_mode and "hf-pipeline" in by_mode:
        report["waqia_vs_pipeline"] = by_mode["waqia"]["tokens_per_s"] / by_mode["hf-pipeline"]["tokens_per_s"]
    if "waqia" in by_mode and "bare-forward" in by_mode:
        report["waqia_vs_bare_forward"] = by_mode["waqia"]["tokens_per_s"] / by_mode["bare-forward"]["tokens_per_s"]
    for key in ("waqia_vs_pipeline", "waqia_vs_bare_forward"):
        if key in report:
            print(f"{key}: {report[key]:.2f}")
    if args.output:
        Path(args.output).write_text(json.dumps(report, indent=1), encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m inference.benchmark", description=__doc__.split("\n")[0])
    p.add_argument("--model", required=True, help="a trained waqia model folder")
    p.add_argument("--data", nargs="+", default=["annotations/dev.jsonl", "annotations/test.jsonl"])
    p.add_argument("--docs", type=int, default=48)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--modes", nargs="+", default=list(MODES), choices=MODES)
    p.add_argument("--output", help="JSON report")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--mode", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    child(args) if args.child else parent(args)


if __name__ == "__main__":
    main()
