"""Train the joint model: ``python -m training.train --config configs/NAME.yaml``.

Built on accelerate, so the same loop runs on CPU, one GPU or several GPUs under
``accelerate launch``. Each epoch ends with an evaluation on dev; the best model
is saved with ``save_pretrained`` to ``OUTPUT/best``, the full training state to
``OUTPUT/checkpoint`` (``--resume`` continues from it), and one JSON line of
metrics per epoch to ``OUTPUT/metrics.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from functools import partial
from pathlib import Path

import datasets
import torch
from accelerate import Accelerator
from accelerate.utils import DataLoaderConfiguration, set_seed
from torch.utils.data import DataLoader
from tqdm.auto import tqdm
from transformers import AutoTokenizer, get_linear_schedule_with_warmup

from training.batching import LengthGroupedSampler
from training.checkpoints import save_for_inference
from training.config import Config, TrainingConfig, load_config
from training.evaluate import evaluate_model
from waqia import schema
from waqia.alignment import TextAligner
from waqia.documents import Document, read_corpus
from waqia.features import FeatureBuilder, collate
from waqia.formats import conll
from waqia.model import EventExtractionModel, build_model
from waqia.predict import Predictor

STATE_FILE = "trainer_state.json"


def prepare_encoder(cfg: Config, train_docs: list[Document], output_dir: Path) -> str:
    """Path of the encoder to start from: a tiny one built here, or a resolved pretrained one."""
    if cfg.encoder == "tiny":
        from waqia.tiny import build_tiny_encoder

        folder = output_dir / "tiny-encoder"
        if not (folder / "config.json").exists():
            t = cfg.tiny_encoder
            build_tiny_encoder(
                folder,
                [d.text for d in train_docs],
                t.vocab_size,
                t.hidden_size,
                t.num_layers,
                t.num_heads,
                seed=cfg.training.seed,
            )
        return str(folder)
    from waqia.encoders import resolve_encoder

    return resolve_encoder(cfg.encoder)


def load_training_documents(cfg: Config) -> tuple[list[Document], list[Document]]:
    train = read_corpus(cfg.data.train)
    if cfg.data.max_train_docs:
        train = train[: cfg.data.max_train_docs]
    for corpus in cfg.data.extra_ner:
        ner_docs = conll.read_conll(corpus.path, corpus.tag_column, corpus.label_map, corpus.sentences_per_doc)
        train += ner_docs[: corpus.max_docs or None]
    dev = read_corpus(cfg.data.dev) if cfg.data.dev else []
    return train, dev


def label_set_for(cfg: Config, docs: list[Document]) -> schema.LabelSet:
    """The schema's labels unless the config names its own (a NER benchmark: labels from the data)."""
    labels = cfg.model.mention_labels
    if labels == ["from-data"]:
        labels = sorted({m.label for d in docs for m in d.mentions})
    roles = cfg.model.roles if cfg.model.roles is not None else list(schema.ROLES)
    return schema.LabelSet(tuple(labels or schema.MENTION_LABELS), tuple(roles))


def build_dataset(builder: FeatureBuilder, docs: list[Document]) -> datasets.Dataset:
    rows = [row for doc in docs for row in builder.document_rows(doc)]
    return datasets.Dataset.from_list(rows)


def make_model(cfg: Config, encoder_path: str, label_set: schema.LabelSet) -> EventExtractionModel:
    m = cfg.model
    model = build_model(
        encoder_path,
        encoder_name=encoder_path if cfg.encoder == "tiny" else cfg.encoder,
        mention_labels=list(label_set.mention_labels),
        roles=list(label_set.roles),
        decoder=m.decoder,
        relation_head=m.relation_head,
        window_length=m.window_length,
        window_overlap=m.window_overlap,
        max_pair_distance=m.max_pair_distance,
        normalization=m.normalization,
        relation_loss_weight=m.relation_loss_weight,
        head_dropout=m.head_dropout,
    )
    if cfg.training.freeze_embeddings:
        model.encoder.get_input_embeddings().weight.requires_grad_(False)
    if cfg.training.lora is not None:
        from waqia.lora import add_lora

        lora = cfg.training.lora
        add_lora(model, lora.r, lora.alpha, lora.dropout)
    return model


def optimizer_groups(model: EventExtractionModel, cfg: Config) -> list[dict]:
    """Encoder and heads learn at different rates; biases and LayerNorms get no weight decay."""
    groups: dict[tuple[bool, bool], list] = {}
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        is_encoder = name.startswith("encoder.") and "lora_" not in name
        no_decay = param.ndim < 2 or "LayerNorm" in name or "norm" in name.lower()
        groups.setdefault((is_encoder, no_decay), []).append(param)
    t = cfg.training
    return [
        {
            "params": params,
            "lr": t.encoder_lr if is_encoder else t.head_lr,
            "weight_decay": 0.0 if no_decay else t.weight_decay,
        }
        for (is_encoder, no_decay), params in groups.items()
    ]


def batch_order(data: datasets.Dataset, t: TrainingConfig) -> dict:
    """DataLoader arguments for the training order: length-grouped (less padding) or plain shuffle."""
    if not t.group_by_length:
        return {"shuffle": True}
    lengths = [len(ids) for ids in data["input_ids"]]
    return {"sampler": LengthGroupedSampler(lengths, t.batch_size, seed=t.seed)}


def mixed_precision_mode(requested: str) -> str:
    if requested != "auto":
        return requested
    if torch.cuda.is_available():
        return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    return "no"


class Trainer:
    def __init__(self, cfg: Config, output_dir: Path, resume: bool):
        self.cfg, self.output_dir, self.resume = cfg, output_dir, resume
        t = cfg.training
        self.accelerator = Accelerator(
            mixed_precision=mixed_precision_mode(t.mixed_precision),
            gradient_accumulation_steps=t.grad_accumulation,
            dataloader_config=DataLoaderConfiguration(use_seedable_sampler=True),
        )
        set_seed(t.seed)
        output_dir.mkdir(parents=True, exist_ok=True)
        self.train_docs, self.dev_docs = load_training_documents(cfg)
        if not self.train_docs:
            raise SystemExit(f"error: no training documents in {cfg.data.train}")
        encoder_path = prepare_encoder(cfg, self.train_docs, output_dir)
        self.tokenizer = AutoTokenizer.from_pretrained(encoder_path)
        self.label_set = label_set_for(cfg, self.train_docs)
        self.model = make_model(cfg, encoder_path, self.label_set)
        aligner = TextAligner(
            self.tokenizer, cfg.model.window_length, cfg.model.window_overlap, cfg.model.normalization
        )
        builder = FeatureBuilder(aligner, self.label_set, cfg.model.max_pair_distance)
        self.train_data = build_dataset(builder, self.train_docs)
        pad_id = self.tokenizer.pad_token_id or 0
        loader = DataLoader(
            self.train_data.with_format(None).remove_columns(["doc_id", "word_start"]),
            batch_size=t.batch_size,
            collate_fn=partial(collate, pad_token_id=pad_id),
            **batch_order(self.train_data, t),
        )
        optimizer = torch.optim.AdamW(optimizer_groups(self.model, cfg))
        steps = math.ceil(len(loader) / t.grad_accumulation) * t.epochs
        scheduler = get_linear_schedule_with_warmup(optimizer, int(t.warmup_ratio * steps), steps)
        self.model, self.optimizer, self.loader, self.scheduler = self.accelerator.prepare(
            self.model, optimizer, loader, scheduler
        )
        self.state = {"epoch": 0, "best_score": -1.0, "best_epoch": 0, "bad_epochs": 0, "global_step": 0}

    def log(self, record: dict) -> None:
        if self.accelerator.is_main_process:
            with open(self.output_dir / "metrics.jsonl", "a", encoding="utf-8") as out:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")

    def maybe_resume(self) -> None:
        checkpoint = self.output_dir / "checkpoint"
        if self.resume and (checkpoint / STATE_FILE).exists():
            self.accelerator.load_state(str(checkpoint))
            self.state = json.loads((checkpoint / STATE_FILE).read_text())
            self.accelerator.print(f"resumed from {checkpoint} after epoch {self.state['epoch']}")

    def train_epoch(self, epoch: int) -> float:
        self.model.train()
        self.loader.set_epoch(epoch)
        total, batches = 0.0, 0
        bar = tqdm(self.loader, desc=f"epoch {epoch}", disable=not self.accelerator.is_local_main_process, leave=False)
        for batch in bar:
            with self.accelerator.accumulate(self.model):
                loss = self.model(**batch).loss
                self.accelerator.backward(loss)
                if self.accelerator.sync_gradients:
                    self.accelerator.clip_grad_norm_(self.model.parameters(), self.cfg.training.max_grad_norm)
                self.optimizer.step()
                self.scheduler.step()
                self.optimizer.zero_grad()
            total += float(loss.detach())
            batches += 1
            self.state["global_step"] += 1
            bar.set_postfix(loss=f"{total / batches:.3f}")
        return total / max(batches, 1)

    def evaluate(self) -> dict:
        model = self.accelerator.unwrap_model(self.model)
        predictor = Predictor(model, self.tokenizer, device=self.accelerator.device, precision="fp32")
        report = evaluate_model(predictor, self.dev_docs, self.cfg.training.eval_batch_size)
        model.train()
        return report

    def save_best(self) -> None:
        model = self.accelerator.unwrap_model(self.model)
        save_for_inference(model, self.tokenizer, self.output_dir / "best", self.cfg)

    def run(self) -> dict:
        self.maybe_resume()
        t = self.cfg.training
        for epoch in range(self.state["epoch"] + 1, t.epochs + 1):
            started = time.time()
            loss = self.train_epoch(epoch)
            record = {"epoch": epoch, "train_loss": round(loss, 5), "step": self.state["global_step"]}
            if self.dev_docs:
                report = self.evaluate()
                score = report[t.select_metric] if t.select_metric in report else report["mean_f1"]
                record["dev"] = headline(report)
            else:
                score = -loss
            record["seconds"] = round(time.time() - started, 1)
            improved = score > self.state["best_score"]
            if improved:
                self.state.update(best_score=score, best_epoch=epoch, bad_epochs=0)
                self.accelerator.wait_for_everyone()
                if self.accelerator.is_main_process:
                    self.save_best()
            else:
                self.state["bad_epochs"] += 1
            self.state["epoch"] = epoch
            record["best_epoch"] = self.state["best_epoch"]
            self.log(record)
            self.accelerator.print(json.dumps(record))
            self.save_checkpoint()
            if self.state["bad_epochs"] >= t.patience:
                self.accelerator.print(f"early stop: no dev improvement for {t.patience} epochs")
                break
        return self.state

    def save_checkpoint(self) -> None:
        checkpoint = self.output_dir / "checkpoint"
        self.accelerator.save_state(str(checkpoint))
        if self.accelerator.is_main_process:
            (checkpoint / STATE_FILE).write_text(json.dumps(self.state))


def headline(report: dict) -> dict:
    """The few numbers worth a log line: micro F1 of each part and their mean."""
    out = {"mean_f1": round(report["mean_f1"], 4), "entities_f1": round(report["entities"]["micro"]["f1"], 4)}
    if "triggers" in report:
        out["triggers_f1"] = round(report["triggers"]["micro"]["f1"], 4)
    if "arguments" in report:
        out["arguments_f1"] = round(report["arguments"]["classification"]["f1"], 4)
    return out


def train(cfg: Config, output_dir: str | Path | None = None, resume: bool = False) -> Path:
    output = Path(output_dir or cfg.training.output_dir)
    trainer = Trainer(cfg, output, resume)
    if trainer.accelerator.is_main_process:
        (output / "config.yaml").write_text(json.dumps(cfg.to_dict(), indent=1), encoding="utf-8")
    state = trainer.run()
    trainer.accelerator.print(
        f"best {cfg.training.select_metric} {state['best_score']:.4f} at epoch {state['best_epoch']}; "
        f"model in {output / 'best'}"
    )
    return output / "best"


def cmd_train(args: argparse.Namespace) -> int:
    try:
        cfg = load_config(args.config, args.overrides)
    except (OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    train(cfg, args.output_dir, args.resume)
    return 0


def main(argv: list[str] | None = None) -> int:
    from training.commands import add_train_arguments

    parser = argparse.ArgumentParser(prog="python -m training.train", description=__doc__.split("\n")[0])
    add_train_arguments(parser)
    return cmd_train(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
