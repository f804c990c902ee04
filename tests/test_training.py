"""The tiny configuration trains end to end, memorises a handful of documents, saves and reloads."""

import json

import torch

from inference.extractor import load_model_and_tokenizer
from training.evaluate import evaluate_model
from waqia.predict import Predictor


def test_tiny_model_overfits_a_handful_of_documents(overfit_run):
    model, tokenizer = load_model_and_tokenizer(overfit_run["model"])
    report = evaluate_model(Predictor(model, tokenizer, device="cpu"), overfit_run["docs"])
    assert report["entities"]["micro"]["f1"] > 0.9
    assert report["triggers"]["micro"]["f1"] > 0.9
    assert report["arguments"]["classification"]["f1"] > 0.8


def test_metrics_log_has_one_line_per_epoch(overfit_run):
    lines = (overfit_run["work"] / "run" / "metrics.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["epoch"] for r in records] == list(range(1, len(records) + 1))
    assert all({"train_loss", "dev", "best_epoch"} <= set(r) for r in records)
    assert records[-1]["train_loss"] < records[0]["train_loss"]


def test_saved_folder_is_safetensors_and_json(overfit_run):
    files = {p.name for p in overfit_run["model"].iterdir()}
    assert {"model.safetensors", "config.json", "tokenizer.json"} <= files
    assert not any(name.endswith((".bin", ".pkl", ".pt")) for name in files)
    config = json.loads((overfit_run["model"] / "config.json").read_text())
    assert config["model_type"] == "waqia_event" and config["encoder_config"]["model_type"] == "bert"
    assert "ATTACK" in config["mention_labels"] and "COUNT" in config["roles"]


def test_save_then_load_gives_identical_predictions(overfit_run, tmp_path, seed_doc):
    model, tokenizer = load_model_and_tokenizer(overfit_run["model"])
    first = Predictor(model, tokenizer, device="cpu").predict([seed_doc.text])[0]
    model.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    again, tokenizer2 = load_model_and_tokenizer(tmp_path)
    second = Predictor(again, tokenizer2, device="cpu").predict([seed_doc.text])[0]
    assert first == second
    for name, tensor in model.state_dict().items():
        assert torch.equal(tensor, again.state_dict()[name]), name


def test_resume_continues_from_the_checkpoint(overfit_run, tmp_path):
    from training.config import load_config
    from training.train import train

    cfg = overfit_run["config"]
    overrides = [f"data.train={cfg.data.train}", f"data.dev={cfg.data.dev}", "training.epochs=2", "training.patience=5"]
    cfg2 = load_config(None, ["encoder=tiny", *overrides])
    out = tmp_path / "run"
    train(cfg2, out)
    state = json.loads((out / "checkpoint" / "trainer_state.json").read_text())
    assert state["epoch"] == 2
    cfg3 = load_config(None, ["encoder=tiny", *overrides[:2], "training.epochs=3", "training.patience=5"])
    train(cfg3, out, resume=True)
    epochs = [json.loads(line)["epoch"] for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert epochs == [1, 2, 3]


def test_config_rejects_unknown_settings(tmp_path):
    import pytest

    from training.config import load_config

    with pytest.raises(ValueError, match="unknown setting"):
        load_config(None, ["training.epochz=3"])


def test_lora_delta_folder_is_small_and_loads_with_from_pretrained(tiny_encoder, tmp_path, seed_doc):
    from transformers import AutoTokenizer

    from waqia.lora import DELTA_WEIGHTS, add_lora, save_delta
    from waqia.model import build_model

    torch.manual_seed(0)
    model = build_model(str(tiny_encoder), window_length=128, window_overlap=32)
    add_lora(model, r=4, alpha=8, dropout=0.0)
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert any("lora_" in n for n in trainable)
    assert not any(n.startswith("encoder.") and "lora_" not in n for n in trainable)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "lora_B" in name:
                param.normal_(std=0.05)  # a trained adapter is not zero
    tokenizer = AutoTokenizer.from_pretrained(tiny_encoder)
    before = Predictor(model, tokenizer, device="cpu").predict([seed_doc.text])[0]
    save_delta(model, tmp_path)
    full_size = sum(p.numel() * 4 for p in model.encoder.parameters())
    assert (tmp_path / DELTA_WEIGHTS).stat().st_size < full_size / 2
    assert not (tmp_path / "model.safetensors").exists() and not (tmp_path / "tokenizer.json").exists()
    loaded, tokenizer_again = load_model_and_tokenizer(tmp_path)
    assert tokenizer_again.get_vocab() == tokenizer.get_vocab()  # the base encoder's own tokenizer
    assert not any("lora_" in n for n, _ in loaded.named_parameters())  # merged for inference
    after = Predictor(loaded, tokenizer, device="cpu").predict([seed_doc.text])[0]
    assert [(m.start, m.end, m.label) for m in after.mentions] == [(m.start, m.end, m.label) for m in before.mentions]
    for a, b in zip(before.mentions, after.mentions):
        assert abs(a.score - b.score) < 1e-3


def test_length_grouped_batches_cover_every_window_once_with_little_padding():
    from training.batching import LengthGroupedSampler

    generator = torch.Generator().manual_seed(0)
    lengths = torch.randint(10, 500, (1003,), generator=generator).tolist()
    sampler = LengthGroupedSampler(lengths, batch_size=8, seed=3)
    order = list(sampler)
    assert sorted(order) == list(range(1003))
    batches = [order[i : i + 8] for i in range(0, len(order), 8)]
    assert all(len(b) == 8 for b in batches[:-1])
    padded = sum(max(lengths[i] for i in b) * len(b) for b in batches)
    assert 1 - sum(lengths) / padded < 0.05  # a plain shuffle wastes about 45 % here
    assert list(sampler) == order  # same epoch, same order (resume relies on it)
    sampler.set_epoch(1)
    assert list(sampler) != order
