"""The annotation contract (``shared/annotation-schema.md``) in code, defined once.

Every label list, BIO tag set, model head size and validation rule derives from
the tables below, so a change to the schema is a change to this file alone.
"""

from __future__ import annotations

from dataclasses import dataclass

ENTITY_LABELS: tuple[str, ...] = ("PER", "ORG", "GPE", "LOC", "FAC", "WEAPON", "DATE", "NUM")

ACTION_LABELS: tuple[str, ...] = (
    "ATTACK",
    "DEATH",
    "INJURY",
    "ARREST",
    "TAKEOVER",
    "MOVEMENT",
    "STATEMENT",
    "ACCUSATION",
    "REQUEST",
    "MEETING",
    "SUPPORT",
    "AGREEMENT",
)

MENTION_LABELS: tuple[str, ...] = ENTITY_LABELS + ACTION_LABELS

#: role -> the argument labels it admits (the schema's relation table).
ROLE_ARGUMENT_LABELS: dict[str, frozenset[str]] = {
    "AGENT": frozenset({"PER", "ORG", "GPE"}),
    "TARGET": frozenset({"PER", "ORG", "GPE", "LOC", "FAC", "WEAPON"}),
    "PLACE": frozenset({"GPE", "LOC", "FAC"}),
    "TIME": frozenset({"DATE"}),
    "INSTRUMENT": frozenset({"WEAPON"}),
    "COUNT": frozenset({"NUM"}),
}

ROLES: tuple[str, ...] = tuple(ROLE_ARGUMENT_LABELS)

#: The relation head's extra class for "this pair is not related".
NO_ROLE = "NONE"

SPLITS: tuple[str, ...] = ("train", "dev", "test")


def is_action(label: str) -> bool:
    return label in ACTION_LABELS


def is_entity(label: str) -> bool:
    return label in ENTITY_LABELS


def role_allows(role: str, argument_label: str) -> bool:
    """True when ``argument_label`` may fill ``role`` (unknown roles allow nothing)."""
    return argument_label in ROLE_ARGUMENT_LABELS.get(role, frozenset())


def bio_tags(labels: tuple[str, ...] | list[str] = MENTION_LABELS) -> list[str]:
    """``O`` then ``B-X``, ``I-X`` for each label, in a stable order."""
    tags = ["O"]
    for label in labels:
        tags += [f"B-{label}", f"I-{label}"]
    return tags


@dataclass(frozen=True)
class LabelSet:
    """The label inventory one model is trained with (saved into its config).

    The product's event model uses the full schema; a NER benchmark on a public
    corpus uses only that corpus's labels and no roles.
    """

    mention_labels: tuple[str, ...] = MENTION_LABELS
    roles: tuple[str, ...] = ROLES

    @property
    def tags(self) -> list[str]:
        return bio_tags(self.mention_labels)

    @property
    def relation_classes(self) -> list[str]:
        return [NO_ROLE, *self.roles]

    def to_dict(self) -> dict:
        return {"mention_labels": list(self.mention_labels), "roles": list(self.roles)}

    @classmethod
    def from_dict(cls, data: dict) -> LabelSet:
        return cls(tuple(data["mention_labels"]), tuple(data.get("roles", ())))
