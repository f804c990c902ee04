import pytest

from inference.counts import parse_count


@pytest.mark.parametrize(
    "text, value, qualifier",
    [
        ("25", 25, "exact"),
        ("٢٥", 25, "exact"),
        ("أكثر من 90", 90, "more_than"),
        ("ما لا يقل عن 30", 30, "at_least"),
        ("نحو ٣٠٠", 300, "about"),
        ("قرابة 40", 40, "about"),
        ("عشرات", 12, "dozens"),
        ("مئات", 100, "hundreds"),
        ("ثلاثة", 3, "exact"),
        ("خمسة وعشرون", 25, "exact"),
        ("ثلاثة آلاف", 3000, "exact"),
        ("ثلاثمئة", 300, "exact"),
        ("مئة", 100, "exact"),
        ("جنديان", 2, "exact"),
        ("1,200", 1200, "exact"),
        ("1.5 مليون", 1_500_000, "exact"),
        ("أقل من 10", 10, "less_than"),
        ("الجرحى", None, "unknown"),
    ],
)
def test_counts_are_normalised(text, value, qualifier):
    count = parse_count(text)
    assert (count.value, count.qualifier) == (value, qualifier)
