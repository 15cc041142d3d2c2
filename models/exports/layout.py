"""Text laid out into lines once, by word widths read from the font's width table.

fpdf2 breaks lines character by character and sums the whole line again at each character, so a
page of table cells took a tenth of a second, and fitting a meeting on one sheet laid it out up to
six times. Here each word's width is computed once per font and size (cached), lines are broken at
spaces, and a page's height is the sum of its lines: a budget is chosen by arithmetic, then drawn.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

ELLIPSIS = "…"


class Widths:
    """The advance widths of one font in millimetres, with a fallback font for missing glyphs."""

    def __init__(
        self, widths: Mapping[int, int], glyphs: frozenset[int], fallback: Mapping[int, int]
    ) -> None:
        self._widths, self._glyphs, self._fallback = widths, glyphs, fallback
        self.word = lru_cache(maxsize=65536)(self._word)

    def _word(self, word: str, size: float) -> float:
        """The width of ``word`` at ``size`` points, in mm."""
        units = sum(self._widths[c] if c in self._glyphs else self._fallback[c] for c in map(ord, word))
        return units * size / 1000 * 25.4 / 72

    def wrap(self, text: str, width: float, size: float) -> list[str]:
        """``text`` broken into lines no wider than ``width`` mm; each newline starts a line."""
        space = self.word(" ", size)
        lines: list[str] = []
        for paragraph in text.split("\n"):
            line, used = "", 0.0
            for word in paragraph.split(" "):
                wide = self.word(word, size)
                if line and used + space + wide <= width:
                    line, used = f"{line} {word}", used + space + wide
                    continue
                if line:
                    lines.append(line)
                while wide > width and len(word) > 1:  # a word wider than the line is cut
                    cut = self._longest_prefix(word, width, size)
                    lines.append(word[:cut])
                    word = word[cut:]
                    wide = self.word(word, size)
                line, used = word, wide
            lines.append(line)
        return lines

    def _longest_prefix(self, word: str, width: float, size: float) -> int:
        cut = 1
        while cut < len(word) and self.word(word[: cut + 1], size) <= width:
            cut += 1
        return cut

    def clip(self, lines: list[str], count: int, width: float, size: float) -> list[str]:
        """The first ``count`` lines, the last one ending with an ellipsis when lines were dropped."""
        if len(lines) <= count:
            return lines
        if count <= 0:
            return []
        last = lines[count - 1].rstrip(" .;:,")
        while last and self.word(last + ELLIPSIS, size) > width:
            last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
        return [*lines[: count - 1], last.rstrip(" .;:,") + ELLIPSIS]
