"""The briefing pack of a trip as PDF: a cover with the agenda by day, then one page per meeting.

A meeting page shows both profiles in short, the passages that brought the two together, their
shared topics, and questions to raise. Long profiles are cut harder until the page fits on one
sheet: each budget's page is laid out into lines (``models.exports.layout``) and its height added
up, the fullest that fits is drawn, and past the tersest the tallest cell is cut with an ellipsis.
Text is printed with DejaVu Sans (``models/fonts``), so every accent and typographic sign shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import groupby
from pathlib import Path

from fpdf import FPDF

from models.exports.briefing import clean, suggested_questions, trim
from models.exports.layout import ACCENT, BULLET_INDENT, GRID_PAD, INK, MUTED, Grid, Para, Widths
from models.exports.types import ExportMeeting, ExportOrg, ExportTrip
from models.exports.words import Words, words_for
from models.vocabulary import HOST_DIRECTION_LABELS, N_, PROFILE_TEXT_FIELDS

FONTS = Path(__file__).resolve().parent.parent / "fonts"


@dataclass(frozen=True)
class Budget:
    """How much of each text a meeting page prints."""

    expertise: int
    offers: int
    seeks: int
    passages: int
    passage: int
    questions: int


# From the fullest page to the tersest; the first that fits on one sheet is used. Expertise keeps
# its ~600 characters longest: the passages quoted as evidence repeat what is offered and sought.
BUDGETS = (
    Budget(600, 300, 300, 3, 300, 4),
    Budget(600, 220, 220, 2, 220, 4),
    Budget(600, 160, 160, 2, 160, 3),
    Budget(420, 140, 140, 2, 140, 3),
    Budget(280, 110, 110, 1, 110, 2),
    Budget(160, 80, 80, 1, 80, 2),
)


class BriefingPDF(FPDF):
    """An A4 document with the DejaVu fonts and a footer naming the trip and the page."""

    def __init__(self, title: str, words: Words) -> None:
        super().__init__(format="A4")
        self.title_text, self.words = clean(title), words
        self.add_font("dejavu", "", FONTS / "DejaVuSans.ttf")
        self.add_font("dejavu", "B", FONTS / "DejaVuSans-Bold-Latin.ttf")
        self._bold_chars = frozenset(map(chr, self.fonts["dejavuB"].cmap))
        regular, bold = self.fonts["dejavu"], self.fonts["dejavuB"]
        self._widths = Widths(regular.cw, frozenset(regular.cmap), regular.cw)
        self._bold_widths = Widths(bold.cw, frozenset(bold.cmap), regular.cw)
        self.set_margins(16, 14, 16)
        self.set_auto_page_break(True, margin=16)
        self.set_font("dejavu", size=10)

    def footer(self) -> None:
        """Trip name on the left, page number on the right."""
        self.set_y(-11)
        self.style(8, MUTED)
        self.cell(self.epw * 0.75, 5, f"Passerelle – {self.title_text}")
        self.cell(
            self.epw * 0.25,
            5,
            self.words.gettext("Page %(n)s/%(total)s", n=self.page_no(), total="{nb}"),
            align="R",
        )

    def style(self, size: float, color: tuple[int, int, int] = INK, bold: bool = False) -> None:
        """Set the font size, colour and weight in one call."""
        self.set_font("dejavu", "B" if bold else "", size)
        self.set_text_color(*color)

    def widths(self, bold: bool = False) -> Widths:
        """The width table of the regular or bold cut (the full regular font fills the bold's gaps)."""
        return self._bold_widths if bold else self._widths

    def para(
        self,
        value: str,
        size: float = 10,
        color: tuple[int, int, int] = INK,
        bold: bool = False,
        gap: float = 0,
        **layout: float,
    ) -> Para:
        """A paragraph across the page's width, laid out (``layout``: line_h, before, pad, bullet)."""
        line_h, pad = layout.get("line_h", size * 0.5), layout.get("pad", 0)
        indent = BULLET_INDENT if layout.get("bullet") else 0
        width = self.epw - indent - 2 * (pad or self.c_margin)  # a shaded box's padding replaces the margin
        lines = self.widths(bold).wrap(value, width, size)
        return Para(lines, size, color, bold, line_h, gap, layout.get("before", 0), pad, bool(indent))

    def heading(self, value: str, size: float = 12) -> Para:
        """A section title with a rule under it, laid out."""
        return replace(self.para(value, size, ACCENT, bold=True, gap=2.5, before=2), rule=True)

    def grid(
        self, heads: Sequence[str], rows: Sequence[Sequence[str]], size: float = 8, **layout: object
    ) -> Grid:
        """Columns under a shaded heading row, rules between rows, laid out.

        ``layout``: ``shares`` (the columns' relative widths, equal by default), ``line_h`` and ``pad``
        (vertical, horizontal), as fpdf2's table takes them.
        """
        shares = layout.get("shares") or (1,) * len(heads)
        col_ws = tuple(self.epw * share / sum(shares) for share in shares)
        pad = layout.get("pad", GRID_PAD)
        line_h = layout.get("line_h", size * 0.47)
        regular, bold = self.widths(), self.widths(bold=True)
        return Grid(
            [bold.wrap(head, col_w - 2 * pad[1], size) for head, col_w in zip(heads, col_ws, strict=True)],
            [[regular.wrap(cell, col_w - 2 * pad[1], size) for cell, col_w in zip(row, col_ws, strict=True)]
             for row in rows],
            size, col_ws, line_h, pad,
        )  # fmt: skip

    def print_line(self, x: float, y: float, height: float, value: str) -> None:
        """One laid-out line in a box of ``height`` at (x, y), as ``cell`` places it, without its overhead."""
        baseline = y + 0.5 * height + 0.3 * self.font_size
        if set(value) <= self._bold_chars:
            self.text(x + self.c_margin, baseline, value)
            return
        # Any glyph the bold cut lacks comes from the full regular font, through cell (text has no
        # fallback). fpdf2 then looks every character up in the fallback fonts: only for such lines.
        self.set_fallback_fonts(["dejavu"], exact_match=False)
        try:
            self.set_xy(x, y)
            self.cell(None, height, value)
        finally:
            self.set_fallback_fonts([])

    def room_for(self, height: float) -> float:
        """The top of a box of ``height``: here, or on a new page when it would cross the bottom margin."""
        if self.get_y() + height > self.page_break_trigger:
            self.add_page()
        return self.get_y()


def trip_pdf(trip: ExportTrip, locale: str = "fr") -> bytes:
    """The briefing pack: a cover with the agenda, then one page per meeting, in ``locale``."""
    w = words_for(locale)
    pdf = _document(trip, w)
    _cover(pdf, trip, w)
    agenda = trip.agenda()
    for number, meeting in enumerate(agenda, start=1):
        _meeting_page(pdf, meeting, _fitting_blocks(pdf, meeting, number, len(agenda), w))
    return bytes(pdf.output())


def _document(trip: ExportTrip, w: Words) -> BriefingPDF:
    pdf = BriefingPDF(trip.name, w)
    pdf.set_title(f"{w.gettext('Briefing pack')} – {clean(trip.name)}")
    pdf.set_author("Passerelle")
    pdf.set_lang(w.locale)
    if trip.published_at is not None:
        pdf.set_creation_date(trip.published_at)
    return pdf


def _fitting_blocks(
    pdf: BriefingPDF, m: ExportMeeting, number: int, total: int, w: Words
) -> list[Para | Grid]:
    """The page of the fullest budget that stays on one sheet; past the tersest, the profiles are cut."""
    room = pdf.page_break_trigger - pdf.t_margin
    for budget in BUDGETS:
        blocks = _meeting_blocks(pdf, m, number, total, w, budget)
        over = sum(block.height for block in blocks) - blocks[-1].gap - room  # a last gap may overflow
        if over <= 0:
            return blocks
    profiles = next(n for n, block in enumerate(blocks) if isinstance(block, Grid))
    blocks[profiles] = blocks[profiles].shortened(over, pdf.widths())
    return blocks


def _cover(pdf: BriefingPDF, trip: ExportTrip, w: Words) -> None:
    pdf.add_page()
    pdf.para("Passerelle · BIOVALIANCE", 9, MUTED, gap=6).draw(pdf)
    pdf.para(w.gettext("Briefing pack"), 24, ACCENT, bold=True, gap=2).draw(pdf)
    pdf.para(clean(trip.name), 16, bold=True, gap=3).draw(pdf)
    origin, _, destination = trip.direction.partition("->")
    regions = f"{w.label('region', origin)} → {w.label('region', destination)}"
    pdf.para(f"{regions} · {clean(trip.destination)}", 11, gap=1).draw(pdf)
    pdf.para(w.date_range(trip.start, trip.end), 11, gap=1).draw(pdf)
    agenda = trip.agenda()
    delegates = len({m.delegate_key for m in agenda})
    counts = w.ngettext("%(num)d meeting", "%(num)d meetings", len(agenda))
    counts += ", " + w.ngettext("%(num)d delegate", "%(num)d delegates", delegates)
    pdf.para(counts, 11, gap=1).draw(pdf)
    zones = ", ".join(dict.fromkeys(m.tz for m in agenda))
    if zones:
        pdf.para(w.gettext("Local times: %(zones)s", zones=zones), 9, MUTED).draw(pdf)
    if trip.published_at is not None:
        published = w.long_date(trip.published_at.date())
        pdf.para(w.gettext("Plan published on %(date)s", date=published), 9, MUTED).draw(pdf)
    pdf.heading(w.gettext("Agenda"), 14).draw(pdf)
    if not agenda:
        pdf.para(w.gettext("No meeting is planned.")).draw(pdf)
    for day, meetings in groupby(agenda, key=lambda m: m.local_start.date()):
        if pdf.will_page_break(30):  # a day's title goes with its first meetings
            pdf.add_page()
        _agenda_day(pdf, w.long_date(day), list(meetings), w)


def _agenda_day(pdf: BriefingPDF, day: str, meetings: list[ExportMeeting], w: Words) -> None:
    pdf.ln(1)
    pdf.para(day[:1].upper() + day[1:], 11, ACCENT, bold=True, gap=1).draw(pdf)
    headings = (
        N_("Time"),
        N_("Delegate"),
        N_("Delegation"),
        N_("Host"),
        N_("City"),
        N_("Kind of collaboration"),
    )
    rows = [
        [
            clean(cell)
            for cell in (
                w.time_range(m.local_start, m.local_end),
                m.delegate_name,
                m.delegation.short_name,
                m.host.short_name,
                m.city_in(w.locale),
                w.label("track", m.track),
            )
        ]
        for m in meetings
    ]
    heads = [w.gettext(heading) for heading in headings]
    pdf.grid(heads, rows, 8.5, shares=(30, 28, 28, 28, 22, 34), line_h=4.2, pad=(1, 1.5)).draw(pdf)


def _meeting_page(pdf: BriefingPDF, m: ExportMeeting, blocks: list[Para | Grid]) -> None:
    pdf.add_page()
    pdf.start_section(clean(f"{m.delegation.short_name} – {m.host.short_name}"))
    for block in blocks:
        block.draw(pdf)


def _meeting_blocks(
    pdf: BriefingPDF, m: ExportMeeting, number: int, total: int, w: Words, budget: Budget
) -> list[Para | Grid]:
    """A meeting page laid out: the header, both profiles, the evidence, the questions."""
    blocks = _meeting_header(pdf, m, w.gettext("Meeting %(n)s of %(total)s", n=number, total=total), w)
    blocks += _profiles(pdf, m, w, budget)
    blocks += _evidence(pdf, m, w, budget)
    questions = suggested_questions(m, w.locale, limit=budget.questions)
    if questions:
        blocks.append(pdf.heading(w.gettext("Questions to raise")))
        blocks += [pdf.para(clean(q), 9.5, line_h=4.8, gap=0.8, bullet=True) for q in questions]
    return blocks


def _meeting_header(pdf: BriefingPDF, m: ExportMeeting, counter: str, w: Words) -> list[Para | Grid]:
    title = clean(f"{m.delegation.short_name} – {m.host.short_name}")
    when = f"{w.long_date(m.local_start.date())}, {w.time_range(m.local_start, m.local_end)}"
    delegate = m.delegate_name + (f" ({m.delegate_email})" if m.delegate_email else "")
    blocks = [
        pdf.para(counter, 9, MUTED, gap=1),
        pdf.para(title, 16, ACCENT, bold=True, gap=1),
        pdf.para(clean(f"{when[:1].upper()}{when[1:]} · {m.city_in(w.locale)}"), 11, bold=True, gap=1),
        pdf.para(clean(w.labelled(w.gettext("Address"), m.host_address(w.locale))), 10),
        *(
            [pdf.para(clean(w.labelled(w.gettext("Access"), m.host.access_notes)), 10)]
            if m.host.access_notes.strip()
            else []
        ),
        *(
            [pdf.para(clean(w.labelled(w.gettext("Host contact"), m.host_contact.line())), 10)]
            if m.host_contact
            else []
        ),
        pdf.para(clean(w.labelled(w.gettext("Delegate"), delegate)), 10),
        pdf.para(w.track_and_score(m.track, m.score), 10, gap=1),
    ]
    reason = w.reason(m.reason, m.delegation.short_name, m.host.short_name)
    if reason.strip():
        blocks.append(pdf.para(clean(reason), 10, line_h=5, gap=1, pad=2))
    if m.contacts:
        blocks.append(pdf.para(clean(w.labelled(w.gettext("Contacts"), "; ".join(m.contacts))), 9, MUTED))
    return blocks


def _profile_text(org: ExportOrg, w: Words, budget: Budget) -> str:
    place = ", ".join(part for part in (org.city, w.label("region", org.region)) if part)
    lines = [clean(org.name), f"{w.label('org_type', org.type)} · {clean(place)}"]
    if org.website.strip():
        lines.append(clean(org.website))
    limits = {"expertise": budget.expertise, "offers": budget.offers, "seeks": budget.seeks}
    for field in PROFILE_TEXT_FIELDS:
        text, lang = org.text(field, w.locale)
        body = trim(text, limits[field])
        if body:
            lines.append("\n" + w.labelled(w.label("field", field), body + _language_note(lang, w)))
    return "\n".join(lines)


def _language_note(lang: str, w: Words) -> str:
    """ " (in English)" after a text that is not in the pack's language; nothing otherwise."""
    return f" ({w.label('language_note', lang)})" if lang and lang != w.locale else ""


def _profiles(pdf: BriefingPDF, m: ExportMeeting, w: Words, budget: Budget) -> list[Para | Grid]:
    heads = (
        clean(f"{w.gettext('Delegation')} · {m.delegation.short_name}"),
        clean(f"{w.gettext('Host')} · {m.host.short_name}"),
    )
    row = (_profile_text(m.delegation, w, budget), _profile_text(m.host, w, budget))
    return [pdf.heading(w.gettext("The two organisations")), pdf.grid(heads, [row])]


def _evidence(pdf: BriefingPDF, m: ExportMeeting, w: Words, budget: Budget) -> list[Para | Grid]:
    blocks = [pdf.heading(w.gettext("What brings them together"))]
    evidence = m.evidence
    direction = evidence.direction if evidence else "none"
    if direction in HOST_DIRECTION_LABELS:  # which way the fit runs, seen from the delegate reading the pack
        blocks.append(
            pdf.para(w.gettext(HOST_DIRECTION_LABELS[direction], host=clean(m.host.short_name)), 10, gap=1)
        )
    passages = evidence.passages[: budget.passages] if evidence else ()
    if passages:
        rows = [
            (
                _passage(p.own_field, p.own_text, w, budget.passage, m.delegation.text_language),
                _passage(p.partner_field, p.partner_text, w, budget.passage, m.host.text_language),
            )
            for p in passages
        ]
        blocks.append(pdf.grid((clean(m.delegation.short_name), clean(m.host.short_name)), rows))
    else:
        blocks.append(pdf.para(w.gettext("No passage to quote."), 9, MUTED))
    if evidence and evidence.shared_topics:
        topics = " · ".join(topic.label(w.locale) for topic in evidence.shared_topics)
        blocks.append(pdf.para(w.labelled(w.gettext("Shared topics"), topics), 9.5, before=1))
    if evidence and evidence.shared_terms:
        terms = clean(", ".join(evidence.shared_terms))
        blocks.append(pdf.para(w.labelled(w.gettext("Words in common"), terms), 9.5, MUTED))
    return blocks


def _passage(field: str, body: str, w: Words, limit: int, lang: str = "") -> str:
    """A passage the engine matched on, as written (never its translation), its language said."""
    return w.labelled(w.label("field", field), trim(body, limit) + _language_note(lang, w))
