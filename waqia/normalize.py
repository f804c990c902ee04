"""Optional text normalisation for the encoder, applied word by word.

Normalisation changes what the encoder sees, never the offsets: the model reads
normalised words, and every prediction is mapped back through the word's span in
the original text.
"""

from __future__ import annotations

import re

TATWEEL = "\u0640"
ARABIC_DIACRITICS = re.compile(r"[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED]")
NORMALIZERS = ("none", "light", "arabert")


def normalize_word(word: str, mode: str = "none") -> str:
    """``light`` and ``arabert`` drop tatweel and diacritics, as AraBERT v2's own
    preprocessing does; its other step, spacing out punctuation, is already done by
    feeding the encoder schema words. A word that would vanish is kept as it is."""
    if mode == "none":
        return word
    if mode not in NORMALIZERS:
        raise ValueError(f"unknown normalisation '{mode}' (choose from {', '.join(NORMALIZERS)})")
    out = ARABIC_DIACRITICS.sub("", word.replace(TATWEEL, ""))
    return out or word
