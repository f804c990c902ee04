"""Training configuration: YAML files in ``configs/`` mapped onto dataclasses.

Every field has a default, so a config file only says what differs; ``--set
training.epochs=3`` overrides any field from the command line.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


@dataclass
class NerCorpus:
    """A NER-only CoNLL corpus mixed into training for the token head (relations masked)."""

    path: str
    tag_column: int = -1
    label_map: dict[str, str] = field(default_factory=dict)
    sentences_per_doc: int = 8
    max_docs: int = 0


@dataclass
class DataConfig:
    train: list[str] = field(default_factory=lambda: ["annotations/train.jsonl"])
    dev: list[str] = field(default_factory=lambda: ["annotations/dev.jsonl"])
    extra_ner: list[NerCorpus] = field(default_factory=list)
    max_train_docs: int = 0


@dataclass
class ModelConfig:
    decoder: str = "crf"
    relation_head: str = "context"
    window_length: int = 256
    window_overlap: int = 64
    max_pair_distance: int = 48
    normalization: str = "none"
    relation_loss_weight: float = 1.0
    head_dropout: float = 0.1
    mention_labels: list[str] | None = None
    roles: list[str] | None = None


@dataclass
class TinyEncoderConfig:
    vocab_size: int = 2000
    hidden_size: int = 64
    num_layers: int = 2
    num_heads: int = 2


@dataclass
class LoraConfig:
    r: int = 16
    alpha: int = 32
    dropout: float = 0.05


@dataclass
class TrainingConfig:
    output_dir: str = "runs/model"
    seed: int = 13
    epochs: int = 20
    batch_size: int = 8
    grad_accumulation: int = 1
    encoder_lr: float = 5e-5
    head_lr: float = 1e-3
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    max_grad_norm: float = 1.0
    mixed_precision: str = "auto"
    patience: int = 5
    freeze_embeddings: bool = False
    group_by_length: bool = True
    lora: LoraConfig | None = None
    eval_batch_size: int = 16
    select_metric: str = "mean_f1"


@dataclass
class Config:
    encoder: str = "tiny"
    tiny_encoder: TinyEncoderConfig = field(default_factory=TinyEncoderConfig)
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _build(cls, data: Any, where: str):
    """Recursively build dataclass ``cls`` from a dict, rejecting unknown keys by name."""
    if data is None:
        return None
    if not dataclasses.is_dataclass(cls):
        return data
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected a mapping")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = set(data) - set(fields)
    if unknown:
        raise ValueError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}")
    kwargs = {}
    hints = {name: _field_type(cls, name) for name in fields}
    for name, value in data.items():
        kind = hints[name]
        if isinstance(kind, tuple) and kind[0] == "list":
            kwargs[name] = [_build(kind[1], v, f"{where}.{name}") for v in value or []]
        else:
            kwargs[name] = _build(kind, value, f"{where}.{name}")
    return cls(**kwargs)


_NESTED = {
    ("Config", "tiny_encoder"): TinyEncoderConfig,
    ("Config", "data"): DataConfig,
    ("Config", "model"): ModelConfig,
    ("Config", "training"): TrainingConfig,
    ("TrainingConfig", "lora"): LoraConfig,
    ("DataConfig", "extra_ner"): ("list", NerCorpus),
}


def _field_type(cls, name: str):
    return _NESTED.get((cls.__name__, name), object)


def parse_override(text: str) -> tuple[list[str], Any]:
    key, sep, value = text.partition("=")
    if not sep:
        raise ValueError(f"override '{text}' is not KEY=VALUE")
    parsed = yaml.safe_load(value)
    if isinstance(parsed, str):  # YAML reads "3e-3" as a string; a number is meant
        try:
            parsed = float(parsed)
        except ValueError:
            pass
    return key.strip().split("."), parsed


def load_config(path: str | Path | None, overrides: list[str] = ()) -> Config:
    raw: dict[str, Any] = {}
    if path is not None:
        with open(path, encoding="utf-8") as handle:
            raw = yaml.safe_load(handle) or {}
    for override in overrides:
        keys, value = parse_override(override)
        target = raw
        for key in keys[:-1]:
            if not isinstance(target.get(key), dict):
                target[key] = {}
            target = target[key]
        target[keys[-1]] = value
    return _build(Config, raw, str(path or "config"))
