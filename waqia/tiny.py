"""A tiny, randomly initialised BERT and a WordPiece tokenizer trained on local text.

Tests and CI cannot download encoders; this builds a real (small) Hugging Face
encoder folder in seconds, so every code path runs exactly as with AraBERT.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
from transformers import BertConfig, BertModel, BertTokenizerFast

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def build_tiny_encoder(
    folder: str | Path,
    texts: Iterable[str],
    vocab_size: int = 2000,
    hidden_size: int = 64,
    num_layers: int = 2,
    num_heads: int = 2,
    max_positions: int = 512,
    seed: int = 0,
) -> Path:
    """Write a tokenizer + random BERT encoder folder loadable with ``AutoModel``/``AutoTokenizer``."""
    import torch

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.NFC()
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.decoder = decoders.WordPiece()
    trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS)
    tokenizer.train_from_iterator(list(texts), trainer=trainer)
    fast = BertTokenizerFast(tokenizer_object=tokenizer, model_max_length=max_positions, do_lower_case=False)
    fast.save_pretrained(folder)
    config = BertConfig(
        vocab_size=tokenizer.get_vocab_size(),
        hidden_size=hidden_size,
        num_hidden_layers=num_layers,
        num_attention_heads=num_heads,
        intermediate_size=hidden_size * 4,
        max_position_embeddings=max_positions,
        pad_token_id=tokenizer.token_to_id("[PAD]"),
    )
    torch.manual_seed(seed)
    BertModel(config, add_pooling_layer=False).save_pretrained(folder)
    (folder / "waqia_tiny.json").write_text(json.dumps({"built_by": "waqia.tiny", "vocab_size": vocab_size}), "utf-8")
    return folder
