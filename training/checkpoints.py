"""How training writes a model for inference: a full folder, or a LoRA delta folder."""

from __future__ import annotations

import json
from pathlib import Path

from waqia.lora import save_delta


def save_for_inference(model, tokenizer, folder: str | Path, training_config) -> Path:
    """``save_pretrained`` (safetensors + config.json) plus the tokenizer and the training settings."""
    folder = Path(folder)
    if getattr(model.config, "lora", None):
        save_delta(model, folder)
    else:
        model.save_pretrained(folder)
        tokenizer.save_pretrained(folder)
    (folder / "training_config.json").write_text(json.dumps(training_config.to_dict(), indent=1), encoding="utf-8")
    return folder
