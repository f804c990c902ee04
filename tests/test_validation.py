"""validate: every schema rule, one clear line per problem, never a traceback."""

import json
import subprocess
import sys

import pytest

from tests.conftest import ANNOTATIONS, ROOT
from waqia.validation import validate_paths

TEXT = 'قصفت طائرات حربية مدينة حلب أمس، وقالت "الوزارة" إن الغارة قتلت 5.\n\nوأفاد المرصد.'


def record(**changes):
    base = {
        "id": "d1",
        "text": TEXT,
        "meta": {"split": "train"},
        "mentions": [
            {"id": "m1", "start": 0, "end": 4, "label": "ATTACK"},
            {"id": "m2", "start": 5, "end": 11, "label": "WEAPON"},
            {"id": "m3", "start": 24, "end": 27, "label": "GPE"},
        ],
        "relations": [{"action": "m1", "argument": "m2", "role": "INSTRUMENT"}],
    }
    base.update(changes)
    return base


def problems_for(tmp_path, *records, raw: bytes | None = None):
    path = tmp_path / "x.jsonl"
    if raw is not None:
        path.write_bytes(raw)
    else:
        path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    return [str(p) for p in validate_paths([path])]


def test_a_valid_record_has_no_problem(tmp_path):
    assert problems_for(tmp_path, record()) == []


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"mentions": [{"id": "m1", "start": 0, "end": 400, "label": "ATTACK"}], "relations": []}, "out of range"),
        ({"mentions": [{"id": "m1", "start": 1, "end": 4, "label": "ATTACK"}], "relations": []}, "cuts a word"),
        ({"mentions": [{"id": "m1", "start": 0, "end": 3, "label": "ATTACK"}], "relations": []}, "cuts a word"),
        ({"mentions": [{"id": "m1", "start": 0, "end": 4, "label": "BOMB"}], "relations": []}, "unknown label 'BOMB'"),
        (
            {
                "mentions": [
                    {"id": "m1", "start": 0, "end": 11, "label": "ATTACK"},
                    {"id": "m2", "start": 5, "end": 11, "label": "WEAPON"},
                ],
                "relations": [],
            },
            "overlaps mention m1",
        ),
        (
            {
                "mentions": [
                    {"id": "m1", "start": 0, "end": 4, "label": "ATTACK"},
                    {"id": "m1", "start": 5, "end": 11, "label": "WEAPON"},
                ],
                "relations": [],
            },
            "not unique",
        ),
        ({"relations": [{"action": "m1", "argument": "m9", "role": "INSTRUMENT"}]}, "'m9', which does not exist"),
        ({"relations": [{"action": "m2", "argument": "m3", "role": "PLACE"}]}, "not an action"),
        ({"relations": [{"action": "m1", "argument": "m3", "role": "COUNT"}]}, "COUNT does not admit GPE"),
        ({"relations": [{"action": "m1", "argument": "m2", "role": "WHY"}]}, "unknown role 'WHY'"),
        ({"meta": {"split": "training"}}, "meta.split 'training'"),
        ({"id": ""}, "'id' is missing"),
        ({"text": 5}, "'text' is missing or not a string"),
        ({"mentions": "m1"}, "'mentions' is not a list"),
        ({"mentions": [{"id": "m1", "start": "0", "end": 4, "label": "ATTACK"}]}, "'start' is not an integer"),
    ],
)
def test_each_kind_of_error_gives_one_clear_line(tmp_path, change, expected):
    lines = problems_for(tmp_path, record(**change))
    assert any(expected in line for line in lines), lines
    assert all(line.startswith(str(tmp_path / "x.jsonl") + ":1:") for line in lines)


def test_quotes_at_the_edge_and_relations_across_paragraphs_are_flagged(tmp_path):
    quoted = TEXT.index('"الوزارة"')
    last = TEXT.index("المرصد")
    rec = record(
        mentions=[
            {"id": "m1", "start": 0, "end": 4, "label": "ATTACK"},
            {"id": "m4", "start": quoted, "end": quoted + 9, "label": "ORG"},
            {"id": "m5", "start": last, "end": last + 6, "label": "ORG"},
        ],
        relations=[{"action": "m1", "argument": "m5", "role": "AGENT"}],
    )
    lines = problems_for(tmp_path, rec)
    assert any("m4: span '\"الوزارة\"' includes a quotation mark" in line for line in lines)
    assert any("crosses a paragraph break" in line for line in lines)


def test_file_level_errors_name_the_line(tmp_path):
    raw = b'{"id": "a", "text": "x"}\n{broken\n\xff\xfe\n[1, 2]\n{"id": "a", "text": "y"}\n'
    lines = problems_for(tmp_path, raw=raw)
    path = str(tmp_path / "x.jsonl")
    assert any(line.startswith(f"{path}:2:") and "invalid JSON" in line for line in lines)
    assert any(line.startswith(f"{path}:3:") and "not valid UTF-8" in line for line in lines)
    assert any(line.startswith(f"{path}:4:") and "not an object" in line for line in lines)
    assert any(line.startswith(f"{path}:5: a:") and "also used at" in line for line in lines)


def test_cli_exit_status_and_no_traceback(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"\x00\x01garbage\n{}\n")
    run = subprocess.run(
        [sys.executable, "-m", "waqia", "validate", str(bad)], capture_output=True, text=True, cwd=ROOT
    )
    assert run.returncode == 1
    assert "Traceback" not in run.stdout + run.stderr
    assert run.stdout.count("\n") == 2
    good = subprocess.run(
        [sys.executable, "-m", "waqia", "validate", str(ANNOTATIONS)], capture_output=True, text=True, cwd=ROOT
    )
    assert good.returncode == 0, good.stdout
