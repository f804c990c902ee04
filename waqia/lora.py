"""LoRA adapters on the encoder, and the small "delta" form of a trained model.

A fully fine-tuned e5-small is ~470 MB, mostly its 96M-parameter word embeddings;
with LoRA the trained model is the pretrained encoder plus a few MB (adapters and
heads). The delta folder stores only those, with the encoder's name in
``config.json``; loading resolves the same pretrained encoder, injects the
adapters, loads the delta and merges it, so inference runs at full speed.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

DELTA_WEIGHTS = "delta.safetensors"
DELTA_FORMAT = "lora-delta"


def _lora_config(settings: dict):
    from peft import LoraConfig

    return LoraConfig(
        r=settings["r"],
        lora_alpha=settings["alpha"],
        lora_dropout=settings.get("dropout", 0.0),
        target_modules=settings.get("target_modules", "all-linear"),
        bias="none",
    )


def add_lora(model, r: int = 16, alpha: int = 32, dropout: float = 0.05) -> None:
    """Inject LoRA into every linear layer of the encoder and freeze the encoder's own weights."""
    from peft import inject_adapter_in_model

    settings = {"r": r, "alpha": alpha, "dropout": dropout, "target_modules": _linear_names(model.encoder)}
    inject_adapter_in_model(_lora_config(settings), model.encoder)
    for name, param in model.encoder.named_parameters():
        param.requires_grad_("lora_" in name)
    model.config.lora = settings


def _linear_names(encoder: torch.nn.Module) -> list[str]:
    """Leaf names of the encoder's Linear layers (query, key, value, dense, … for BERT)."""
    return sorted(
        {name.split(".")[-1] for name, module in encoder.named_modules() if isinstance(module, torch.nn.Linear)}
    )


def delta_state_dict(model) -> dict[str, torch.Tensor]:
    """What a LoRA-trained model adds to its pretrained encoder: adapters and heads."""
    return {
        name: tensor.detach().cpu().contiguous()
        for name, tensor in model.state_dict().items()
        if "lora_" in name or not name.startswith("encoder.")
    }


def save_delta(model, folder: str | Path) -> Path:
    """Adapters, heads and config only: the tokenizer, like the encoder, comes from the base."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    save_file(delta_state_dict(model), str(folder / DELTA_WEIGHTS), metadata={"format": "pt"})
    model.config.weights_format = DELTA_FORMAT
    model.config.save_pretrained(folder)
    del model.config.weights_format
    return folder


def is_delta_folder(folder: str | Path) -> bool:
    return (Path(folder) / DELTA_WEIGHTS).exists()


def merge_lora(module: torch.nn.Module) -> None:
    """Fold every LoRA layer into its base Linear and put the plain Linear back."""
    from peft.tuners.lora import LoraLayer

    for name, child in list(module.named_children()):
        if isinstance(child, LoraLayer):
            child.merge()
            setattr(module, name, child.get_base_layer())
        else:
            merge_lora(child)


def load_delta(model_class, folder: str | Path, config, **kwargs):
    """Rebuild a model saved by ``save_delta``: pretrained encoder + adapters + heads, merged."""
    from peft import inject_adapter_in_model

    from waqia.encoders import resolve_encoder
    from waqia.model import load_encoder

    folder = Path(folder)
    encoder = load_encoder(resolve_encoder(config.encoder_name))
    model = model_class(config, encoder=encoder)
    inject_adapter_in_model(_lora_config(config.lora), model.encoder)
    delta = load_file(str(folder / DELTA_WEIGHTS))
    missing = set(delta) - set(model.state_dict())
    if missing:
        raise ValueError(f"{folder / DELTA_WEIGHTS}: tensors the model does not have: {sorted(missing)[:5]}")
    model.load_state_dict(delta, strict=False)
    merge_lora(model.encoder)
    return model.eval()


def describe(folder: str | Path) -> dict:
    """Sizes of a saved folder, for reports."""
    folder = Path(folder)
    files = {p.name: p.stat().st_size for p in folder.iterdir() if p.is_file()}
    return {
        "files": files,
        "total_bytes": sum(files.values()),
        "config": json.loads((folder / "config.json").read_text()),
    }
