"""Input records for batch runs: text files, folders, JSON Lines and stdin.

Every input becomes an ``InputRecord`` in a fixed order, bad ones included: a
record that cannot be read carries an ``error`` and still gets an output line,
so a batch run never aborts on one record and never drops one silently.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
DEFAULT_MAX_CHARS = 200_000


@dataclass
class InputRecord:
    id: str | None
    text: str | None
    extra: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def problem_with_text(text: Any, max_chars: int = DEFAULT_MAX_CHARS) -> str | None:
    """Why a text cannot be processed, or None when it can."""
    if not isinstance(text, str):
        return f"text is {type(text).__name__}, not a string"
    if "\x00" in text:
        return "text contains NUL bytes (binary data, not text)"
    if not text.strip():
        return "text is empty"
    if len(text) > max_chars:
        return f"text has {len(text):,} characters, over the limit of {max_chars:,} (--max-chars)"
    if not ARABIC.search(text):
        return "text contains no Arabic letters"
    return None


def as_record(item: Any, index: int) -> InputRecord:
    """A string, a mapping with "text" (and "id"), or an InputRecord, as an InputRecord."""
    if isinstance(item, InputRecord):
        return item
    if isinstance(item, str):
        return InputRecord(str(index), item)
    if isinstance(item, dict):
        extra = {k: v for k, v in item.items() if k not in ("id", "text")}
        record_id = item.get("id")
        return InputRecord(str(record_id) if record_id is not None else str(index), item.get("text"), extra)
    return InputRecord(str(index), None, error=f"record is a {type(item).__name__}, not text or an object with 'text'")


def read_text_file(path: Path) -> InputRecord:
    try:
        data = path.read_bytes()
    except OSError as err:
        return InputRecord(path.stem, None, {"source": str(path)}, f"{path}: cannot read: {err.strerror or err}")
    try:
        return InputRecord(path.stem, data.decode("utf-8-sig"), {"source": str(path)})
    except UnicodeDecodeError as err:
        return InputRecord(path.stem, None, {"source": str(path)}, f"{path}: not valid UTF-8 (byte {err.start})")


def read_jsonl_lines(lines: Iterable[bytes], source: str) -> Iterator[InputRecord]:
    for line_no, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        fallback_id = f"{Path(source).stem}:{line_no}"
        try:
            data = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as err:
            yield InputRecord(fallback_id, None, {}, f"{source}:{line_no}: not valid UTF-8 (byte {err.start})")
            continue
        except json.JSONDecodeError as err:
            yield InputRecord(fallback_id, None, {}, f"{source}:{line_no}: invalid JSON: {err.msg}")
            continue
        if not isinstance(data, dict):
            yield InputRecord(
                fallback_id, None, {}, f"{source}:{line_no}: record is a JSON {type(data).__name__}, not an object"
            )
            continue
        record = as_record(data, line_no)
        if data.get("id") is None:
            record.id = fallback_id
        if "text" not in data:
            record.error = f"{source}:{line_no}: record has no 'text' field"
        yield record


def iter_input_records(inputs: list[str], stdin=None) -> Iterator[InputRecord]:
    """Records from files, folders (``*.txt`` and ``*.jsonl``, sorted) and ``-`` (stdin), in order."""
    for name in inputs:
        if name == "-":
            yield from _stdin_records(stdin or sys.stdin.buffer)
            continue
        path = Path(name)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.suffix in (".txt", ".jsonl") and p.is_file()):
                yield from _file_records(child)
        elif path.exists():
            yield from _file_records(path)
        else:
            yield InputRecord(path.stem, None, {"source": name}, f"{name}: no such file or folder")


def _file_records(path: Path) -> Iterator[InputRecord]:
    if path.suffix == ".jsonl":
        try:
            with open(path, "rb") as handle:
                yield from read_jsonl_lines(handle, str(path))
        except OSError as err:
            yield InputRecord(path.stem, None, {"source": str(path)}, f"{path}: cannot read: {err.strerror or err}")
    else:
        yield read_text_file(path)


def _stdin_records(stream) -> Iterator[InputRecord]:
    """JSON Lines when every non-empty line is a JSON object, else the whole input as one text."""
    data = stream.read()
    lines = [line for line in data.split(b"\n") if line.strip()]
    if lines and all(line.lstrip().startswith(b"{") for line in lines):
        yield from read_jsonl_lines(lines, "<stdin>")
        return
    try:
        yield InputRecord("stdin", data.decode("utf-8-sig"))
    except UnicodeDecodeError as err:
        yield InputRecord("stdin", None, {}, f"<stdin>: not valid UTF-8 (byte {err.start})")
