"""Words as the schema defines them: maximal runs of letters, digits and diacritics.

Mentions must start and end on these boundaries, and the model's word-level
tagging uses the same segmentation, so both live here.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


def is_word_char(char: str) -> bool:
    return unicodedata.category(char)[0] in "LNM"


@dataclass(frozen=True)
class Word:
    start: int
    end: int


def split_words(text: str) -> list[Word]:
    """Segment ``text`` into schema words; punctuation marks are one-character words."""
    words: list[Word] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char.isspace():
            i += 1
            continue
        if is_word_char(char):
            j = i + 1
            while j < n and is_word_char(text[j]):
                j += 1
        else:
            j = i + 1
        words.append(Word(i, j))
        i = j
    return words


def is_boundary(text: str, index: int) -> bool:
    """True when ``index`` does not cut through a word (a run of word characters)."""
    if index <= 0 or index >= len(text):
        return True
    return not (is_word_char(text[index - 1]) and is_word_char(text[index]))
