"""``waqia extract --model DIR INPUT... -o OUT``: batch extraction to JSONL or CSV.

Output keeps input order, one JSONL line per input record (or one CSV row per
event, ACLED-like columns). ``--resume`` continues an interrupted run: after
each chunk the output is flushed and a small progress file records how many
records and bytes are complete, so a restart truncates any half-written tail
and skips exactly the records already written.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
import time
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

from tqdm.auto import tqdm

from inference.events import ExtractionResult
from inference.records import InputRecord, iter_input_records

CSV_COLUMNS = [
    "doc_id", "event_index", "event_type", "trigger", "trigger_start", "trigger_end", "trigger_score",
    "actor1", "actor2", "location", "date", "fatalities", "count", "count_qualifier",
    "agents", "targets", "places", "times", "instruments", "sentence", "error",
]  # fmt: skip


def progress_path(output: Path) -> Path:
    return output.with_name(output.name + ".progress.json")


def csv_rows(result: ExtractionResult) -> list[dict]:
    if result.error is not None:
        return [{"doc_id": result.id, "error": result.error}]
    rows = []
    for index, event in enumerate(result.events):
        args = event.arguments

        def joined(role: str, args=args) -> str:
            return " | ".join(a.text for a in args.get(role, []))

        rows.append(
            {
                "doc_id": result.id,
                "event_index": index,
                "event_type": event.type,
                "trigger": event.trigger.text,
                "trigger_start": event.trigger.start,
                "trigger_end": event.trigger.end,
                "trigger_score": event.trigger.score,
                "actor1": event.actor1,
                "actor2": event.actor2,
                "location": event.location,
                "date": event.date,
                "fatalities": event.fatalities,
                "count": event.count.value if event.count else None,
                "count_qualifier": event.count.qualifier if event.count else None,
                "agents": joined("AGENT"),
                "targets": joined("TARGET"),
                "places": joined("PLACE"),
                "times": joined("TIME"),
                "instruments": joined("INSTRUMENT"),
                "sentence": event.sentence.text,
                "error": None,
            }
        )
    return rows


TABLE_COLUMNS = [
    ("type", 10), ("trigger", 14), ("actor1", 26), ("actor2", 26), ("location", 18), ("date", 16), ("count", 14),
]  # fmt: skip


def _cell(value, width: int) -> str:
    text = "" if value is None else str(value).replace("\n", " ")
    return (text if len(text) <= width else text[: width - 1] + "…").ljust(width)


def event_table(result: ExtractionResult) -> str:
    """Events of one record as an aligned text table (what ``--table`` prints)."""
    if result.error is not None:
        return f"{result.id}: error: {result.error}\n"
    lines = [f"{result.id}: {len(result.events)} event(s), {len(result.mentions)} mention(s)"]
    lines.append("  ".join(_cell(name, width) for name, width in TABLE_COLUMNS))
    for event in result.events:
        count = None
        if event.count is not None:
            count = f"{event.count.value} ({event.count.qualifier})"
        values = [event.type, event.trigger.text, event.actor1, event.actor2, event.location, event.date, count]
        lines.append("  ".join(_cell(v, width) for v, (_, width) in zip(values, TABLE_COLUMNS)))
    return "\n".join(lines) + "\n\n"


def render(results: list[ExtractionResult], fmt: str, include_text: bool, header: bool) -> str:
    if fmt == "jsonl":
        return "".join(json.dumps(r.to_dict(include_text), ensure_ascii=False) + "\n" for r in results)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    if header:
        writer.writeheader()
    for result in results:
        writer.writerows(csv_rows(result))
    return buffer.getvalue()


def resume_point(output: Path, resume: bool) -> tuple[int, int]:
    """(records done, bytes of output to keep) from the progress file, or (0, 0) for a fresh run."""
    marker = progress_path(output)
    if not resume or not marker.exists() or not output.exists():
        return 0, 0
    state = json.loads(marker.read_text(encoding="utf-8"))
    return int(state["records"]), int(state["bytes"])


def write_progress(output: Path, records: int, size: int, failed: int) -> None:
    marker = progress_path(output)
    tmp = marker.with_suffix(".tmp")
    tmp.write_text(json.dumps({"records": records, "bytes": size, "failed": failed}), encoding="utf-8")
    os.replace(tmp, marker)


def output_format(args: argparse.Namespace) -> str:
    if args.format:
        return args.format
    return "csv" if args.output and str(args.output).endswith(".csv") else "jsonl"


def process_group() -> tuple[int, int, int]:
    """(rank, world size, local rank) from the launcher's environment (``accelerate launch``,
    ``torchrun``); (0, 1, 0) for a plain run. Ranks share nothing but the output folder."""
    return int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1)), int(os.environ.get("LOCAL_RANK", 0))


def shard_device(requested: str, local_rank: int) -> str:
    import torch

    if requested == "auto" and torch.cuda.is_available():
        return f"cuda:{local_rank % torch.cuda.device_count()}"
    return requested


def wait_for_parts(output: Path, world: int, timeout_s: float = 7 * 24 * 3600) -> None:
    """Rank 0 waits until every rank has marked its part finished."""
    deadline = time.time() + timeout_s
    while not all(done_marker(output, r).exists() for r in range(world)):
        if time.time() > deadline:
            raise TimeoutError(f"{output}: not every process finished its part")
        time.sleep(1.0)


def done_marker(output: Path, rank: int) -> Path:
    return output.with_name(f"{output.name}.part{rank}.done")


def part_path(output: Path, rank: int) -> Path:
    return output.with_name(f"{output.name}.part{rank}")


def merge_parts(output: Path, world: int) -> None:
    """Interleave the per-process JSONL parts back into input order (record i came from rank i % world)."""
    parts = [part_path(output, r).read_text(encoding="utf-8").splitlines(keepends=True) for r in range(world)]
    with open(output, "w", encoding="utf-8") as out:
        for i in range(sum(map(len, parts))):
            out.write(parts[i % world][i // world])
    for r in range(world):
        part_path(output, r).unlink()
        progress_path(part_path(output, r)).unlink(missing_ok=True)
        done_marker(output, r).unlink(missing_ok=True)


def cmd_extract(args: argparse.Namespace) -> int:
    from inference.extractor import Extractor

    fmt = output_format(args)
    rank, world, local_rank = process_group()
    if world > 1 and (args.output is None or fmt != "jsonl"):
        print("error: with several processes, write JSONL to a file (-o OUT.jsonl)", file=sys.stderr)
        return 2
    device = shard_device(args.device, local_rank) if world > 1 else args.device
    try:
        extractor = Extractor.from_pretrained(
            args.model, device=device, precision=args.precision, max_chars=args.max_chars
        )
    except (OSError, ValueError) as err:
        print(f"error: cannot load model: {err}", file=sys.stderr)
        return 2
    records: Iterator[InputRecord] = iter_input_records(args.inputs)
    output = Path(args.output) if args.output else None
    if world > 1:
        records = islice(records, rank, None, world)
        output = part_path(output, rank)
        args.quiet = args.quiet or rank != 0
    done, keep_bytes = resume_point(output, args.resume) if output else (0, 0)
    if done:
        print(f"resuming after {done} record(s)", file=sys.stderr)
        records = islice(records, done, None)
    if args.table and output is None:
        sink = open(os.devnull, "w", encoding="utf-8")
    else:
        sink = _open_sink(output, keep_bytes)
    failed = events = processed = 0
    bar = tqdm(desc="extract", unit="doc", disable=args.quiet, initial=done)
    started = time.time()
    try:
        while chunk := list(islice(records, args.chunk_size)):
            results = list(extractor.pipe(chunk, batch_size=args.batch_size, chunk_size=args.chunk_size))
            header = fmt == "csv" and done + processed == 0
            sink.write(render(results, fmt, args.include_text, header))
            sink.flush()
            if args.table:
                sys.stdout.write("".join(event_table(r) for r in results))
                sys.stdout.flush()
            processed += len(results)
            failed += sum(not r.ok for r in results)
            events += sum(len(r.events) for r in results)
            if output:
                write_progress(output, done + processed, sink.tell(), failed)
            bar.update(len(results))
            bar.set_postfix(events=events, failed=failed)
    finally:
        bar.close()
        if sink is not sys.stdout:
            sink.close()
    seconds = time.time() - started
    rate = processed / seconds if seconds else 0.0
    who = f"process {rank}/{world}: " if world > 1 else ""
    print(f"{who}{processed} record(s), {events} event(s), {failed} failed, {rate:.2f} docs/s", file=sys.stderr)
    if world > 1:
        done_marker(Path(args.output), rank).write_text(json.dumps({"records": processed, "failed": failed}))
        if rank == 0:
            wait_for_parts(Path(args.output), world)
            merge_parts(Path(args.output), world)
    return 1 if failed else 0


def _open_sink(output: Path | None, keep_bytes: int):
    if output is None:
        return sys.stdout
    output.parent.mkdir(parents=True, exist_ok=True)
    if keep_bytes:
        handle = open(output, "r+", encoding="utf-8", newline="")
        handle.truncate(keep_bytes)
        handle.seek(keep_bytes)
        return handle
    return open(output, "w", encoding="utf-8", newline="")
