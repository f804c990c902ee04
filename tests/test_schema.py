from waqia import schema


def test_labels_and_tags_derive_from_one_table():
    assert set(schema.MENTION_LABELS) == set(schema.ENTITY_LABELS) | set(schema.ACTION_LABELS)
    tags = schema.bio_tags()
    assert tags[0] == "O" and len(tags) == 1 + 2 * len(schema.MENTION_LABELS)
    assert "B-ATTACK" in tags and "I-NUM" in tags
    assert schema.LabelSet().relation_classes == ["NONE", *schema.ROLES]


def test_role_compatibility_follows_the_schema_table():
    assert schema.role_allows("COUNT", "NUM")
    assert not schema.role_allows("COUNT", "PER")
    assert schema.role_allows("TARGET", "FAC") and not schema.role_allows("AGENT", "FAC")
    assert not schema.role_allows("NOT-A-ROLE", "PER")


def test_label_set_round_trips_through_a_dict():
    labels = schema.LabelSet(("PER", "LOC"), ())
    assert schema.LabelSet.from_dict(labels.to_dict()) == labels
    assert labels.tags == ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
