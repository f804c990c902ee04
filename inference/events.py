"""Structured events from predictions: one event per action mention.

Each event carries its trigger and arguments (grouped by role, with offsets into
the original text and scores), the normalised COUNT, the sentence it sits in and
ACLED-like convenience fields. The JSON form is described by
``inference/event_schema.json``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from inference.counts import Count, parse_count
from waqia import schema
from waqia.predict import PredictedMention, Prediction

#: Sentence ends: Latin and Arabic full stop, question and exclamation marks, and line breaks.
SENTENCE_END = re.compile(r"[.!?؟\n]+")
ACTOR_LABELS = ("PER", "ORG", "GPE")


@dataclass
class MentionOut:
    label: str
    text: str
    start: int
    end: int
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "text": self.text, "start": self.start, "end": self.end, "score": self.score}


@dataclass
class Argument(MentionOut):
    role: str = ""
    relation_score: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "relation_score": self.relation_score}


@dataclass
class Sentence:
    text: str
    start: int
    end: int


@dataclass
class Event:
    type: str
    trigger: MentionOut
    arguments: dict[str, list[Argument]]
    sentence: Sentence
    count: Count | None = None
    actor1: str | None = None
    actor2: str | None = None
    location: str | None = None
    date: str | None = None
    fatalities: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "trigger": self.trigger.to_dict(),
            "arguments": {role: [a.to_dict() for a in args] for role, args in self.arguments.items()},
            "count": self.count.to_dict() if self.count else None,
            "sentence": {"text": self.sentence.text, "start": self.sentence.start, "end": self.sentence.end},
            "actor1": self.actor1,
            "actor2": self.actor2,
            "location": self.location,
            "date": self.date,
            "fatalities": self.fatalities,
        }


@dataclass
class ExtractionResult:
    """What the extractor returns for one input record."""

    id: str | None
    text: str
    mentions: list[MentionOut] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self, include_text: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, **self.extra}
        if include_text:
            out["text"] = self.text
        if self.error is not None:
            out["error"] = self.error
            return out
        out["mentions"] = [m.to_dict() for m in self.mentions]
        out["events"] = [e.to_dict() for e in self.events]
        return out


def sentence_spans(text: str) -> list[Sentence]:
    """Sentences as spans of the original text (trimmed of surrounding spaces)."""
    spans, start = [], 0
    for match in SENTENCE_END.finditer(text):
        spans.append(_trimmed(text, start, match.end()))
        start = match.end()
    if start < len(text):
        spans.append(_trimmed(text, start, len(text)))
    return [s for s in spans if s.text]


def _trimmed(text: str, start: int, end: int) -> Sentence:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Sentence(text[start:end], start, end)


def _mention_out(text: str, mention: PredictedMention) -> MentionOut:
    return MentionOut(mention.label, text[mention.start : mention.end], mention.start, mention.end, mention.score)


def build_events(prediction: Prediction) -> list[Event]:
    text, mentions = prediction.text, prediction.mentions
    sentences = sentence_spans(text)
    arguments: dict[int, list[Argument]] = {}
    for relation in prediction.relations:
        m = mentions[relation.argument]
        arguments.setdefault(relation.action, []).append(
            Argument(m.label, text[m.start : m.end], m.start, m.end, m.score, relation.role, relation.score)
        )
    events = []
    for index, mention in enumerate(mentions):
        if not schema.is_action(mention.label):
            continue
        by_role: dict[str, list[Argument]] = {}
        for argument in sorted(arguments.get(index, []), key=lambda a: a.start):
            by_role.setdefault(argument.role, []).append(argument)
        sentence = next((s for s in sentences if s.start <= mention.start < s.end), Sentence(text, 0, len(text)))
        events.append(_with_convenience_fields(Event(mention.label, _mention_out(text, mention), by_role, sentence)))
    _share_fatalities(events)
    return events


def _first(arguments: list[Argument], labels: tuple[str, ...] | None = None) -> str | None:
    for argument in arguments:
        if labels is None or argument.label in labels:
            return argument.text
    return None


def _with_convenience_fields(event: Event) -> Event:
    """ACLED-like columns: actor1 = first agent, actor2 = first actor-type target, and so on."""
    args = event.arguments
    event.actor1 = _first(args.get("AGENT", []))
    event.actor2 = _first(args.get("TARGET", []), ACTOR_LABELS)
    event.location = _first(args.get("PLACE", []))
    event.date = _first(args.get("TIME", []))
    counts = [parse_count(a.text) for a in args.get("COUNT", [])]
    counts = [c for c in counts if c.value is not None]
    if counts:
        event.count = max(counts, key=lambda c: c.value)
        if event.type == "DEATH":
            event.fatalities = event.count.value
    return event


def _share_fatalities(events: list[Event]) -> None:
    """An attack reports the deaths counted in its own sentence (ACLED counts them on the attack)."""
    for event in events:
        if event.type != "ATTACK":
            continue
        deaths = [
            e.fatalities
            for e in events
            if e.type == "DEATH" and e.fatalities is not None and e.sentence == event.sentence
        ]
        if deaths:
            event.fatalities = max(deaths)


def build_result(
    prediction: Prediction, record_id: str | None, extra: dict[str, Any] | None = None
) -> ExtractionResult:
    mentions = [_mention_out(prediction.text, m) for m in prediction.mentions]
    return ExtractionResult(record_id, prediction.text, mentions, build_events(prediction), extra=extra or {})
