"""Counts of people as integers: «أكثر من 90» -> 90 (more_than), «عشرات» -> 12 (dozens).

Digits in any script, Arabic number words (units, teens, tens, hundreds,
thousands, compounds joined by و), duals (جنديان) and the hedges news uses. Vague
quantities follow ACLED's coding conventions (several = 10, dozens = 12,
hundreds = 100, thousands = 1000), so the value is a conservative figure and the
qualifier says how to read it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

QUALIFIERS: list[tuple[str, str]] = [
    ("ما لا يقل عن", "at_least"),
    ("لا يقل عن", "at_least"),
    ("على الأقل", "at_least"),
    ("أكثر من", "more_than"),
    ("اكثر من", "more_than"),
    ("ما يزيد على", "more_than"),
    ("ما يزيد عن", "more_than"),
    ("أزيد من", "more_than"),
    ("أقل من", "less_than"),
    ("اقل من", "less_than"),
    ("ما يصل إلى", "up_to"),
    ("حتى", "up_to"),
    ("ما يقارب", "about"),
    ("ما يناهز", "about"),
    ("نحو", "about"),
    ("حوالي", "about"),
    ("حوالى", "about"),
    ("قرابة", "about"),
    ("زهاء", "about"),
]

VAGUE: dict[str, tuple[int, str]] = {
    "عشرات": (12, "dozens"),
    "العشرات": (12, "dozens"),
    "مئات": (100, "hundreds"),
    "المئات": (100, "hundreds"),
    "مئآت": (100, "hundreds"),
    "آلاف": (1000, "thousands"),
    "الآلاف": (1000, "thousands"),
    "الاف": (1000, "thousands"),
    "عدة": (10, "several"),
    "بضعة": (10, "several"),
    "بضع": (10, "several"),
    "عدد": (10, "several"),
    "العديد": (10, "several"),
}

UNITS = {
    "واحد": 1, "واحدة": 1, "اثنان": 2, "اثنين": 2, "اثنتان": 2, "اثنتين": 2, "إثنين": 2, "اثنا": 2, "اثني": 2,
    "ثلاثة": 3, "ثلاث": 3, "أربعة": 4, "اربعة": 4, "أربع": 4, "خمسة": 5, "خمس": 5, "ستة": 6, "ست": 6,
    "سبعة": 7, "سبع": 7, "ثمانية": 8, "ثماني": 8, "ثمان": 8, "تسعة": 9, "تسع": 9,
}  # fmt: skip
TENS = {
    "عشرة": 10, "عشر": 10, "عشرون": 20, "عشرين": 20, "ثلاثون": 30, "ثلاثين": 30, "أربعون": 40, "أربعين": 40,
    "اربعين": 40, "خمسون": 50, "خمسين": 50, "ستون": 60, "ستين": 60, "سبعون": 70, "سبعين": 70,
    "ثمانون": 80, "ثمانين": 80, "تسعون": 90, "تسعين": 90,
}  # fmt: skip
HUNDREDS = {"مئة": 100, "مائة": 100, "مئتان": 200, "مئتين": 200, "مائتان": 200, "مائتين": 200}
SCALES = {
    "ألف": 1000,
    "الف": 1000,
    "آلاف": 1000,
    "ألفا": 1000,
    "ألفان": 2000,
    "ألفين": 2000,
    "مليون": 10**6,
    "ملايين": 10**6,
}


@dataclass(frozen=True)
class Count:
    value: int | None
    qualifier: str  # exact, more_than, at_least, less_than, up_to, about, several, dozens, hundreds, thousands, unknown

    def to_dict(self) -> dict:
        return {"value": self.value, "qualifier": self.qualifier}


def parse_count(text: str) -> Count:
    """Normalise a NUM mention; ``value`` is None when no number can be read."""
    rest = " ".join(text.translate(DIGITS).replace("\u0640", "").split())
    qualifier = "exact"
    for phrase, name in QUALIFIERS:
        if rest.startswith(phrase + " ") or rest.startswith(phrase):
            qualifier, rest = name, rest[len(phrase) :].strip()
            break
    value, vague = _read_number(rest)
    if vague is not None and qualifier == "exact":
        qualifier = vague
    return Count(value, qualifier if value is not None else "unknown")


def _read_number(text: str) -> tuple[int | None, str | None]:
    digits = re.search(r"\d[\d,٬٫.]*", text)
    if digits:
        number = _digits_value(digits.group())
        tail = text[digits.end() :].split()
        if tail and _strip_conjunction(tail[0]) in SCALES:
            number = int(number * SCALES[_strip_conjunction(tail[0])])
        return int(number), None
    words = [_strip_conjunction(w) for w in text.split()]
    if words and words[0] in VAGUE:
        return VAGUE[words[0]]
    value = _words_value(words)
    if value is not None:
        return value, None
    if len(words) == 1 and _is_dual(words[0]):
        return 2, None
    return None, None


def _digits_value(token: str) -> float:
    """Grouped thousands (1,200 / 1٬200) or a decimal (1.5 / 1٫5 / 1,5)."""
    token = token.rstrip(".,٬٫")
    if re.fullmatch(r"\d{1,3}([,٬]\d{3})+", token):
        return float(re.sub("[,٬]", "", token))
    return float(re.sub("[,٫]", ".", token.replace("٬", "")))


def _strip_conjunction(word: str) -> str:
    return (
        word[1:]
        if word.startswith("و") and len(word) > 2 and word[1:] in {**UNITS, **TENS, **HUNDREDS, **SCALES}
        else word
    )


def _words_value(words: list[str]) -> int | None:
    """Sum of number words with multipliers: «ثلاثة آلاف» 3000, «خمسة وعشرون» 25, «ثلاثمئة» 300."""
    total, current, seen = 0, 0, False
    for word in words:
        if word in UNITS:
            current += UNITS[word]
        elif word in TENS:
            current += TENS[word]
        elif word in HUNDREDS:
            current += HUNDREDS[word]
        elif _compound_hundred(word) is not None:
            current += _compound_hundred(word)
        elif word in SCALES:
            scale = SCALES[word]
            multiplier = 1 if scale > 1000 and current == 0 else max(current, 1)
            total += (multiplier if word not in ("ألفان", "ألفين") else 1) * scale
            current = 0
        else:
            continue
        seen = True
    return total + current if seen else None


def _compound_hundred(word: str) -> int | None:
    """«ثلاثمئة» / «ثلاثمائة» written as one word."""
    for hundred in ("مئة", "مائة"):
        if word.endswith(hundred) and word[: -len(hundred)] in UNITS:
            return UNITS[word[: -len(hundred)]] * 100
    return None


def _is_dual(word: str) -> bool:
    """A noun in the dual expresses «two» on its own (جنديان، شخصين، طفلتان)."""
    return len(word) > 4 and word.endswith(("ان", "ين")) and word not in VAGUE
