"""The Python API.

>>> extractor = Extractor.from_pretrained("models/waqia-e5-small")
>>> result = extractor("قتل 25 شخصاً في انفجار سيارة مفخخة في أعزاز أمس")
>>> for result in extractor.pipe(texts_or_records, batch_size=32): ...

Results come back in input order; records that cannot be processed come back
with ``error`` set instead of raising, so long runs never stop on one bad record.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from transformers import AutoTokenizer

from inference.events import ExtractionResult, build_result
from inference.records import DEFAULT_MAX_CHARS, InputRecord, as_record, problem_with_text
from waqia.encoders import resolve_encoder
from waqia.lora import is_delta_folder
from waqia.model import EventExtractionModel
from waqia.predict import Predictor


def load_model_and_tokenizer(path: str | Path):
    """A saved model folder (full or LoRA delta) and its tokenizer."""
    path = str(path)
    if not Path(path, "config.json").exists():
        raise FileNotFoundError(f"{path}: not a model folder (no config.json); train one with 'waqia train'")
    model = EventExtractionModel.from_pretrained(path)
    tokenizer_source = path
    if is_delta_folder(path) and not Path(path, "tokenizer_config.json").exists():
        tokenizer_source = resolve_encoder(model.config.encoder_name)  # a delta uses its base's tokenizer
    return model, AutoTokenizer.from_pretrained(tokenizer_source)


class Extractor:
    def __init__(
        self,
        model: EventExtractionModel,
        tokenizer,
        device: str = "auto",
        precision: str = "auto",
        max_chars: int = DEFAULT_MAX_CHARS,
    ):
        self.predictor = Predictor(model, tokenizer, device=device, precision=precision)
        self.max_chars = max_chars

    @classmethod
    def from_pretrained(cls, path: str | Path, device: str = "auto", precision: str = "auto", **kwargs) -> Extractor:
        """Load a model folder written by training; ``device`` "auto" picks CUDA, then MPS, then CPU."""
        model, tokenizer = load_model_and_tokenizer(path)
        return cls(model, tokenizer, device=device, precision=precision, **kwargs)

    @property
    def device(self):
        return self.predictor.device

    def __call__(self, text: str) -> ExtractionResult:
        return next(self.pipe([text]))

    def pipe(
        self, items: Iterable[str | dict[str, Any] | InputRecord], batch_size: int = 16, chunk_size: int = 64
    ) -> Iterator[ExtractionResult]:
        """Stream results in input order; ``chunk_size`` records are length-sorted and batched together."""
        iterator = (as_record(item, index) for index, item in enumerate(items))
        while chunk := list(islice(iterator, chunk_size)):
            yield from self._run_chunk(chunk, batch_size)

    def _run_chunk(self, records: list[InputRecord], batch_size: int) -> list[ExtractionResult]:
        results: list[ExtractionResult | None] = [None] * len(records)
        todo = []
        for i, record in enumerate(records):
            error = record.error or problem_with_text(record.text, self.max_chars)
            if error:
                text = record.text if isinstance(record.text, str) else ""
                results[i] = ExtractionResult(record.id, text, error=error, extra=record.extra)
            else:
                todo.append(i)
        predictions = self.predictor.predict([records[i].text for i in todo], batch_size=batch_size) if todo else []
        for i, prediction in zip(todo, predictions):
            results[i] = build_result(prediction, records[i].id, records[i].extra)
        return results
