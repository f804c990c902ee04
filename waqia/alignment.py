"""From text to encoder windows and back: schema words, subwords and character offsets.

The model tags schema words (the first subword of each word carries the word's
tag), so a predicted mention always starts and ends on a word boundary and maps
back to exact character offsets in the original text, whatever the tokenizer or
normalisation. Long documents become windows of at most ``max_length`` subwords:
paragraphs are packed whole where they fit, and a paragraph that does not fit is
cut into overlapping windows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from waqia.normalize import normalize_word
from waqia.words import Word, split_words


@dataclass
class Window:
    """A slice of a document's words, encoded for the encoder."""

    word_start: int
    word_end: int
    input_ids: list[int]
    #: per word of the window: index in ``input_ids`` of its first and last subword
    first_subword: list[int]
    last_subword: list[int]
    #: False where the window was cut inside a paragraph (its context is partial there)
    whole_left: bool = True
    whole_right: bool = True

    def contains(self, first_word: int, last_word: int) -> bool:
        return self.word_start <= first_word and last_word < self.word_end

    def centrality(self, word: int) -> int:
        """How far ``word`` is from a cut edge; the window with most context wins a word."""
        left = 10**6 if self.whole_left else word - self.word_start
        right = 10**6 if self.whole_right else self.word_end - 1 - word
        return min(left, right)


@dataclass
class EncodedText:
    """A text's schema words and their subword ids: everything windows are cut from."""

    text: str
    words: list[Word]
    pieces: list[list[int]]
    paragraph_of_word: list[int] = field(default_factory=list)

    def word_span(self, first_word: int, last_word: int) -> tuple[int, int]:
        return self.words[first_word].start, self.words[last_word].end


class TextAligner:
    """Cuts texts into encoder windows for one tokenizer; shared by training and inference."""

    def __init__(self, tokenizer, max_length: int = 256, overlap: int = 64, normalization: str = "none"):
        self.tokenizer = tokenizer
        self.max_length = min(max_length, getattr(tokenizer, "model_max_length", max_length) or max_length)
        self.overlap = overlap
        self.normalization = normalization
        self._prefix_ids, self._suffix_ids = special_token_frame(tokenizer)
        self._prefix = len(self._prefix_ids)
        self._budget = self.max_length - self._prefix - len(self._suffix_ids)
        if self._budget < 8:
            raise ValueError(f"max_length {max_length} leaves no room for text")

    def encode_text(self, text: str) -> EncodedText:
        words = split_words(text)
        surfaces = [normalize_word(text[w.start : w.end], self.normalization) for w in words]
        pieces: list[list[int]] = [[] for _ in words]
        if words:
            # Whole texts are tokenized once and cut into windows later, so the tokenizer's
            # "longer than the maximum sequence length" warning would be a false alarm.
            encoding = self.tokenizer(surfaces, is_split_into_words=True, add_special_tokens=False, verbose=False)
            for token_id, word_index in zip(encoding["input_ids"], encoding.word_ids()):
                if word_index is not None:
                    pieces[word_index].append(token_id)
        unk = self.tokenizer.unk_token_id if self.tokenizer.unk_token_id is not None else 0
        pieces = [p[: self._budget] or [unk] for p in pieces]
        return EncodedText(text, words, pieces, _paragraph_indices(text, words))

    def windows(self, encoded: EncodedText) -> list[Window]:
        """Windows covering every word; each paragraph lies whole in one window when it fits."""
        spans: list[tuple[int, int, bool, bool]] = []
        for para_start, para_end in _paragraph_ranges(encoded.paragraph_of_word):
            spans += self._split_paragraph(encoded.pieces, para_start, para_end)
        return [
            self._make_window(encoded.pieces, s, e, left, right) for s, e, left, right in self._pack(encoded, spans)
        ]

    def _split_paragraph(self, pieces, start: int, end: int) -> list[tuple[int, int, bool, bool]]:
        """Overlapping word ranges of at most the budget in subwords."""
        if sum(len(p) for p in pieces[start:end]) <= self._budget:
            return [(start, end, True, True)]
        ranges, first = [], start
        while True:
            last, used = first, 0
            while last < end and used + len(pieces[last]) <= self._budget:
                used += len(pieces[last])
                last += 1
            ranges.append((first, last, first == start, last == end))
            if last == end:
                return ranges
            back, kept = last, 0
            while back > first + 1 and kept + len(pieces[back - 1]) <= self.overlap:
                kept += len(pieces[back - 1])
                back -= 1
            first = back

    def _pack(self, encoded: EncodedText, spans):
        """Merge consecutive whole paragraphs into one window while they fit."""
        packed: list[list] = []
        for start, end, left, right in spans:
            size = sum(len(p) for p in encoded.pieces[start:end])
            if packed and packed[-1][3] and left and packed[-1][4] + size <= self._budget:
                packed[-1][1], packed[-1][3], packed[-1][4] = end, right, packed[-1][4] + size
            else:
                packed.append([start, end, left, right, size])
        return [(s, e, left, right) for s, e, left, right, _ in packed]

    def _make_window(self, pieces, start: int, end: int, whole_left: bool, whole_right: bool) -> Window:
        flat, first, last = [], [], []
        for word_pieces in pieces[start:end]:
            first.append(self._prefix + len(flat))
            flat += word_pieces
            last.append(self._prefix + len(flat) - 1)
        input_ids = self._prefix_ids + flat + self._suffix_ids
        return Window(start, end, input_ids, first, last, whole_left, whole_right)


def special_token_frame(tokenizer) -> tuple[list[int], list[int]]:
    """The special tokens the tokenizer itself puts before and after one sequence
    (``[CLS]``/``[SEP]`` for BERT, ``<s>``/``</s>`` for XLM-R), read off a probe encoding."""
    encoding = tokenizer(["probe"], is_split_into_words=True, add_special_tokens=True)
    word_ids = encoding.word_ids()
    ids = encoding["input_ids"]
    first = next(i for i, w in enumerate(word_ids) if w is not None)
    last = max(i for i, w in enumerate(word_ids) if w is not None)
    return list(ids[:first]), list(ids[last + 1 :])


def _paragraph_indices(text: str, words: list[Word]) -> list[int]:
    """Paragraph number of each word: a new paragraph starts after any line break."""
    indices, paragraph, previous_end = [], 0, 0
    for word in words:
        if "\n" in text[previous_end : word.start]:
            paragraph += 1
        indices.append(paragraph)
        previous_end = word.end
    return indices


def _paragraph_ranges(paragraph_of_word: list[int]) -> list[tuple[int, int]]:
    ranges, start = [], 0
    for i in range(1, len(paragraph_of_word) + 1):
        if i == len(paragraph_of_word) or paragraph_of_word[i] != paragraph_of_word[start]:
            ranges.append((start, i))
            start = i
    return ranges
