"""Shared fixtures: the corpus, a tiny encoder built from it, and a tiny model trained once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]
ANNOTATIONS = ROOT / "annotations"
SHARED = ROOT.parent / "shared"
SEED_ID = "000_10241a9c894d17fb"


@pytest.fixture(scope="session")
def corpus():
    from waqia.documents import read_corpus

    return read_corpus([ANNOTATIONS])


@pytest.fixture(scope="session")
def seed_doc(corpus):
    return next(d for d in corpus if d.id == SEED_ID)


@pytest.fixture(scope="session")
def tiny_encoder(tmp_path_factory, corpus):
    from waqia.tiny import build_tiny_encoder

    return build_tiny_encoder(tmp_path_factory.mktemp("tiny-encoder"), [d.text for d in corpus], vocab_size=3000)


@pytest.fixture(scope="session")
def overfit_run(tmp_path_factory, corpus, seed_doc):
    """A tiny model trained to memorise a handful of documents (the seed among them)."""
    from training.config import load_config
    from training.train import train
    from waqia.documents import write_documents

    work = tmp_path_factory.mktemp("overfit")
    few = [seed_doc] + [d for d in corpus if d.split == "train"][:3]
    write_documents(few, work / "few.jsonl")
    cfg = load_config(
        ROOT / "configs" / "tiny.yaml",
        [
            f"data.train=[{work / 'few.jsonl'}]",
            f"data.dev=[{work / 'few.jsonl'}]",
            "training.epochs=45",
            "training.patience=45",
            "training.batch_size=8",
            "tiny_encoder.hidden_size=96",
            "tiny_encoder.num_layers=2",
        ],
    )
    best = train(cfg, work / "run")
    return {"model": best, "docs": few, "work": work, "config": cfg}
