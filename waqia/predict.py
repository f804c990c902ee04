"""Running a trained model over raw texts: windows in, mentions and relations out.

The one prediction path of the project: evaluation during training and the
inference API both call ``Predictor.predict``. Windows of many texts are sorted
by length into batches (little padding), each window goes through the encoder
once, tags are decoded per paragraph from the window that sees each word with
most context, and the relation head scores candidate pairs on the kept hidden
states, so relations cost no second encoder pass.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass

import torch

from waqia.alignment import EncodedText, TextAligner, Window
from waqia.features import WordSpan, candidate_pairs, collate, span_tensors, window_spans
from waqia.model import EventExtractionModel


@dataclass
class PredictedMention:
    start: int
    end: int
    label: str
    score: float
    first_word: int
    last_word: int


@dataclass
class PredictedRelation:
    action: int  # index into Prediction.mentions
    argument: int
    role: str
    score: float


@dataclass
class Prediction:
    text: str
    mentions: list[PredictedMention]
    relations: list[PredictedRelation]


@dataclass
class _WindowResult:
    window: Window
    emissions: torch.Tensor  # (words, tags), CPU float
    hidden: torch.Tensor  # (subwords, hidden), on the model's device


def tags_to_spans(tags: list[str], offset: int = 0) -> list[tuple[int, int, str]]:
    """(first word, last word, label) of each B/I run in a valid BIO sequence."""
    spans, current = [], None
    for i, tag in enumerate(tags):
        if tag.startswith("I-") and current is not None and current[2] == tag[2:]:
            current[1] = i + offset
            continue
        if current is not None:
            spans.append(tuple(current))
            current = None
        if tag != "O":
            current = [i + offset, i + offset, tag[2:]]
    if current is not None:
        spans.append(tuple(current))
    return spans


def pick_device(device: str | torch.device = "auto") -> torch.device:
    if str(device) != "auto":
        return torch.device(device)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def cpu_supports_bf16() -> bool:
    """True when the CPU has native bf16 matrix instructions (AVX-512 BF16 or AMX)."""
    try:
        return bool(torch.backends.cpu.get_cpu_capability() in ("AVX512_BF16", "AMX") or _cpuinfo_has_bf16())
    except Exception:  # noqa: BLE001 - a capability probe must never break inference
        return False


def _cpuinfo_has_bf16() -> bool:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            flags = handle.read()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


class Predictor:
    def __init__(
        self, model: EventExtractionModel, tokenizer, device: str | torch.device = "auto", precision: str = "auto"
    ):
        self.device = pick_device(device)
        self.model = model.to(self.device).eval()
        self.tokenizer = tokenizer
        config = model.config
        self.aligner = TextAligner(tokenizer, config.window_length, config.window_overlap, config.normalization)
        self.tags = model.tags
        self.label_index = {label: i for i, label in enumerate(config.mention_labels)}
        self.relation_classes = config.label_set.relation_classes
        self.precision = self._resolve_precision(precision)

    def _resolve_precision(self, precision: str) -> str:
        if precision != "auto":
            return precision
        if self.device.type == "cuda":
            return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
        return "fp32"

    def _autocast(self):
        if self.precision == "fp32":
            return nullcontext()
        dtype = torch.bfloat16 if self.precision == "bf16" else torch.float16
        return torch.autocast(self.device.type, dtype=dtype)

    @torch.inference_mode()
    def predict(self, texts: list[str], batch_size: int = 16) -> list[Prediction]:
        encoded = [self.aligner.encode_text(text) for text in texts]
        windows = [(doc, w) for doc, enc in enumerate(encoded) for w in self.aligner.windows(enc)]
        results: list[list[_WindowResult]] = [[] for _ in texts]
        order = sorted(range(len(windows)), key=lambda k: len(windows[k][1].input_ids))
        for begin in range(0, len(order), batch_size):
            chunk = [windows[k] for k in order[begin : begin + batch_size]]
            for (doc, _), result in zip(chunk, self._run_windows([w for _, w in chunk])):
                results[doc].append(result)
        return [
            self._decode_document(enc, sorted(res, key=lambda r: r.window.word_start))
            for enc, res in zip(encoded, results)
        ]

    def _run_windows(self, windows: list[Window]) -> list[_WindowResult]:
        rows = [{"input_ids": w.input_ids, "word_index": w.first_subword} for w in windows]
        batch = {k: v.to(self.device) for k, v in collate(rows, self.tokenizer.pad_token_id or 0).items()}
        with self._autocast():
            out = self.model(
                input_ids=batch["input_ids"],
                attention_mask=batch["attention_mask"],
                word_index=batch["word_index"],
                word_mask=batch["word_mask"],
                return_hidden=True,
            )
        emissions = out.emissions.float().cpu()
        return [
            _WindowResult(w, emissions[i, : len(w.first_subword)], out.hidden_states[i, : len(w.input_ids)])
            for i, w in enumerate(windows)
        ]

    def _decode_document(self, encoded: EncodedText, results: list[_WindowResult]) -> Prediction:
        if not encoded.words:
            return Prediction(encoded.text, [], [])
        emissions = self._merged_emissions(encoded, results)
        mentions = self._decode_mentions(encoded, emissions)
        relations = self._relations(encoded, results, mentions) if self.model.config.roles else []
        return Prediction(encoded.text, mentions, relations)

    @staticmethod
    def _merged_emissions(encoded: EncodedText, results: list[_WindowResult]) -> torch.Tensor:
        """Each word's tag scores from the window that gives it most context."""
        merged = torch.zeros(len(encoded.words), results[0].emissions.size(1))
        best = [-1] * len(encoded.words)
        for result in results:
            window = result.window
            for k in range(window.word_end - window.word_start):
                word = window.word_start + k
                centrality = window.centrality(word)
                if centrality > best[word]:
                    best[word] = centrality
                    merged[word] = result.emissions[k]
        return merged

    def _decode_mentions(self, encoded: EncodedText, emissions: torch.Tensor) -> list[PredictedMention]:
        probabilities = emissions.softmax(-1)
        mentions = []
        start = 0
        paragraphs = encoded.paragraph_of_word
        for end in range(1, len(paragraphs) + 1):
            if end < len(paragraphs) and paragraphs[end] == paragraphs[start]:
                continue
            path = self.model.crf.decode(emissions[start:end])
            for first, last, label in tags_to_spans([self.tags[t] for t in path], offset=start):
                score = float(torch.stack([probabilities[w, path[w - start]] for w in range(first, last + 1)]).mean())
                char_start, char_end = encoded.word_span(first, last)
                mentions.append(PredictedMention(char_start, char_end, label, round(score, 4), first, last))
            start = end
        return mentions

    def _relations(self, encoded: EncodedText, results: list[_WindowResult], mentions: list[PredictedMention]):
        spans = [WordSpan(m.first_word, m.last_word, m.label) for m in mentions]
        pairs = candidate_pairs(spans, encoded.paragraph_of_word, self.model.config.max_pair_distance)
        best: dict[tuple[int, int], tuple[int, torch.Tensor]] = {}
        for result in results:
            inside = window_spans(result.window, spans)
            local = {span: k for k, span in enumerate(inside)}
            window_pairs = [(a, b) for a, b in pairs if a in local and b in local]
            if not window_pairs:
                continue
            probabilities = self._score_pairs(
                result, [spans[i] for i in inside], [(local[a], local[b]) for a, b in window_pairs]
            )
            span_centrality = {i: result.window.centrality(spans[i].first_word) for i in inside}
            for (a, b), probs in zip(window_pairs, probabilities):
                centrality = min(span_centrality[a], span_centrality[b])
                if (a, b) not in best or centrality > best[(a, b)][0]:
                    best[(a, b)] = (centrality, probs)
        relations = []
        for (a, b), (_, probs) in best.items():
            role_index = int(probs.argmax())
            if role_index != 0:
                relations.append(
                    PredictedRelation(a, b, self.relation_classes[role_index], round(float(probs[role_index]), 4))
                )
        return sorted(relations, key=lambda r: (r.action, r.argument))

    def _score_pairs(self, result: _WindowResult, spans: list[WordSpan], pairs: list[tuple[int, int]]) -> torch.Tensor:
        tensors = span_tensors(result.window, spans, self.label_index)
        as_batch = {k: torch.tensor([v], device=self.device) for k, v in tensors.items()}
        action = torch.tensor([[a for a, _ in pairs]], device=self.device)
        argument = torch.tensor([[b for _, b in pairs]], device=self.device)
        with self._autocast():
            logits = self.model.relation_logits(
                result.hidden.unsqueeze(0), **as_batch, pair_action=action, pair_argument=argument
            )
        return logits[0].float().softmax(-1).cpu()


def prediction_annotations(prediction: Prediction):
    """Predicted side of an evaluation (see ``waqia.metrics``)."""
    from waqia.metrics import ArgumentRecord, DocumentAnnotations, SpanRecord

    mentions = prediction.mentions
    arguments = [
        ArgumentRecord(
            (mentions[r.action].start, mentions[r.action].end),
            mentions[r.action].label,
            (mentions[r.argument].start, mentions[r.argument].end),
            r.role,
        )
        for r in prediction.relations
    ]
    return DocumentAnnotations(prediction.text, [SpanRecord(m.start, m.end, m.label) for m in mentions], arguments)
