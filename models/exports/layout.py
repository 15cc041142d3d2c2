"""Text laid out into lines once, by word widths read from the font's width table.

fpdf2 breaks lines character by character and sums the whole line again at each character, so a
page of table cells took a tenth of a second, and fitting a meeting on one sheet laid it out up to
six times. Here each word's width is computed once per font and size (cached), lines are broken at
spaces, and a page's height is the sum of its lines: a budget is chosen by arithmetic, then drawn.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from models.exports.pdf import BriefingPDF

ELLIPSIS = "…"
SOFT_HYPHEN = "\u00ad"
INK = (33, 37, 41)
ACCENT = (24, 72, 120)
MUTED = (100, 108, 116)
SHADE = (232, 239, 246)
RULE = (190, 200, 210)
BULLET_INDENT = 5
GRID_PAD = (1.5, 2)  # a grid cell's padding, vertical and horizontal, in mm


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
        for paragraph in text.replace(SOFT_HYPHEN, "").split("\n"):  # fpdf2 never printed them
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


@dataclass(frozen=True)
class Para:
    """A paragraph broken into lines: its height is known before it is drawn."""

    lines: list[str]
    size: float
    color: tuple[int, int, int]
    bold: bool
    line_h: float
    gap: float = 0
    before: float = 0
    pad: float = 0  # a shaded box around the text
    bullet: bool = False
    rule: bool = False

    @property
    def height(self) -> float:
        """The vertical space it takes, in mm."""
        return self.before + len(self.lines) * self.line_h + 2 * self.pad + self.gap

    def draw(self, pdf: BriefingPDF) -> None:
        """Print it at the current position."""
        if self.before:
            pdf.ln(self.before)
        pdf.style(self.size, self.color, self.bold)
        y = pdf.get_y()
        if self.pad:
            pdf.set_fill_color(*SHADE)
            pdf.rect(pdf.l_margin, y, pdf.epw, len(self.lines) * self.line_h + 2 * self.pad, "F")
            y += self.pad
        indent = (self.pad and self.pad - pdf.c_margin) + (BULLET_INDENT if self.bullet else 0)
        if self.bullet:
            pdf.print_line(pdf.l_margin, y, self.line_h, "•")
        for line in self.lines:
            pdf.set_y(y)
            y = pdf.room_for(self.line_h)
            pdf.print_line(pdf.l_margin + indent, y, self.line_h, line)
            y += self.line_h
        pdf.set_xy(pdf.l_margin, y + self.pad)
        if self.rule:
            pdf.set_draw_color(*RULE)
            pdf.line(pdf.l_margin, pdf.get_y() + 0.5, pdf.w - pdf.r_margin, pdf.get_y() + 0.5)
        if self.gap:
            pdf.ln(self.gap)


@dataclass(frozen=True)
class Grid:
    """Columns of laid-out cells under a heading row, repeated atop each page the grid runs onto."""

    heads: list[list[str]]
    rows: list[list[list[str]]]
    size: float
    col_ws: tuple[float, ...]
    line_h: float
    pad: tuple[float, float]  # vertical, horizontal
    gap: ClassVar[float] = 0  # nothing below the last rule

    def row_height(self, cells: list[list[str]]) -> float:
        """The height of one row: its tallest cell and the padding."""
        return max(len(lines) for lines in cells) * self.line_h + 2 * self.pad[0]

    @property
    def height(self) -> float:
        """The vertical space it takes on one page, in mm."""
        return sum(self.row_height(cells) for cells in (self.heads, *self.rows))

    def draw(self, pdf: BriefingPDF) -> None:
        """Print it at the current position, on as many pages as it needs."""
        pdf.set_draw_color(*RULE)
        self._row(pdf, self.heads, heading=True)
        for cells in self.rows:
            if pdf.get_y() + self.row_height(cells) > pdf.page_break_trigger:
                pdf.add_page()
                pdf.set_draw_color(*RULE)
                self._row(pdf, self.heads, heading=True)
            self._row(pdf, cells)

    def _row(self, pdf: BriefingPDF, cells: list[list[str]], heading: bool = False) -> None:
        left, y, height, width = pdf.l_margin, pdf.get_y(), self.row_height(cells), sum(self.col_ws)
        if heading:
            pdf.set_fill_color(*SHADE)
            pdf.rect(left, y, width, height, "F")
        pdf.style(self.size, ACCENT if heading else INK, bold=heading)
        x = left
        for lines, col_w in zip(cells, self.col_ws, strict=True):
            for k, line in enumerate(lines):
                pdf.print_line(
                    x + self.pad[1] - pdf.c_margin, y + self.pad[0] + k * self.line_h, self.line_h, line
                )
            x += col_w
        pdf.line(left, y, left + width, y)
        pdf.line(left, y + height, left + width, y + height)
        pdf.set_xy(left, y + height)

    def shortened(self, by: float, widths: Widths) -> Grid:
        """The same grid with its tallest row cut by at least ``by`` mm, each cut cell ending in …"""
        tallest = max(range(len(self.rows)), key=lambda n: self.row_height(self.rows[n]))
        keep = max(len(lines) for lines in self.rows[tallest]) - math.ceil(by / self.line_h)
        cut = [
            widths.clip(lines, keep, col_w - 2 * self.pad[1], self.size)
            for lines, col_w in zip(self.rows[tallest], self.col_ws, strict=True)
        ]
        return replace(self, rows=[*self.rows[:tallest], cut, *self.rows[tallest + 1 :]])
