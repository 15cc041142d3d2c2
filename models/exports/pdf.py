"""The briefing pack of a trip as PDF: a cover with the agenda by day, then one page per meeting.

A meeting page shows both profiles in short, the passages that brought the two together, their
shared topics, and questions to raise. Long profiles are cut harder until the page fits on one
sheet: each page is laid out first in a scratch document to find the longest texts that fit.
Text is printed with DejaVu Sans (``models/fonts``), so every accent and typographic sign shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

from fpdf import FPDF, FontFace
from fpdf.enums import TableBordersLayout, XPos, YPos

from models.exports.briefing import clean, suggested_questions, trim
from models.exports.types import ExportMeeting, ExportOrg, ExportTrip
from models.exports.words import Words, words_for
from models.vocabulary import HOST_DIRECTION_LABELS, N_, PROFILE_TEXT_FIELDS

FONTS = Path(__file__).resolve().parent.parent / "fonts"
INK = (33, 37, 41)
ACCENT = (24, 72, 120)
MUTED = (100, 108, 116)
SHADE = (232, 239, 246)
RULE = (190, 200, 210)


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
        self.last_start = 0  # the page the last meeting began on
        self.add_font("dejavu", "", FONTS / "DejaVuSans.ttf")
        self.add_font("dejavu", "B", FONTS / "DejaVuSans-Bold-Latin.ttf")
        # Any glyph the bold cut lacks comes from the full regular font.
        self.add_font("dejavufull", "", FONTS / "DejaVuSans.ttf")
        self.set_fallback_fonts(["dejavufull"], exact_match=False)
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

    def line_of(
        self,
        value: str,
        size: float = 10,
        color: tuple[int, int, int] = INK,
        bold: bool = False,
        gap: float = 0,
    ) -> None:
        """A paragraph across the page's width."""
        self.style(size, color, bold)
        self.multi_cell(0, size * 0.5, value, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(gap)

    def heading(self, value: str, size: float = 12) -> None:
        """A section title with a rule under it."""
        self.ln(2)
        self.line_of(value, size, ACCENT, bold=True)
        self.set_draw_color(*RULE)
        self.line(self.l_margin, self.get_y() + 0.5, self.w - self.r_margin, self.get_y() + 0.5)
        self.ln(2.5)


def trip_pdf(trip: ExportTrip, locale: str = "fr") -> bytes:
    """The briefing pack: a cover with the agenda, then one page per meeting, in ``locale``."""
    w = words_for(locale)
    pdf = _document(trip, w)
    _cover(pdf, trip, w)
    agenda = trip.agenda()
    scratch = BriefingPDF(trip.name, w) if agenda else None
    for number, meeting in enumerate(agenda, start=1):
        budget = _fitting_budget(scratch, meeting, number, len(agenda), w)
        _meeting_page(pdf, meeting, number, len(agenda), w, budget)
    return bytes(pdf.output())


def _document(trip: ExportTrip, w: Words) -> BriefingPDF:
    pdf = BriefingPDF(trip.name, w)
    pdf.set_title(f"{w.gettext('Briefing pack')} – {clean(trip.name)}")
    pdf.set_author("Passerelle")
    pdf.set_lang(w.locale)
    if trip.published_at is not None:
        pdf.set_creation_date(trip.published_at)
    return pdf


def _fitting_budget(
    scratch: BriefingPDF, meeting: ExportMeeting, number: int, total: int, w: Words
) -> Budget:
    """The fullest budget whose page, laid out in the scratch document, stays on one sheet."""
    for budget in BUDGETS:
        _meeting_page(scratch, meeting, number, total, w, budget)
        if scratch.page_no() == scratch.last_start:
            return budget
    return BUDGETS[-1]


def _cover(pdf: BriefingPDF, trip: ExportTrip, w: Words) -> None:
    pdf.add_page()
    pdf.line_of("Passerelle · BIOVALIANCE", 9, MUTED, gap=6)
    pdf.line_of(w.gettext("Briefing pack"), 24, ACCENT, bold=True, gap=2)
    pdf.line_of(clean(trip.name), 16, bold=True, gap=3)
    origin, _, destination = trip.direction.partition("->")
    regions = f"{w.label('region', origin)} → {w.label('region', destination)}"
    pdf.line_of(f"{regions} · {clean(trip.destination)}", 11, gap=1)
    pdf.line_of(w.date_range(trip.start, trip.end), 11, gap=1)
    agenda = trip.agenda()
    delegates = len({m.delegate_key for m in agenda})
    counts = w.ngettext("%(num)d meeting", "%(num)d meetings", len(agenda))
    counts += ", " + w.ngettext("%(num)d delegate", "%(num)d delegates", delegates)
    pdf.line_of(counts, 11, gap=1)
    zones = ", ".join(dict.fromkeys(m.tz for m in agenda))
    if zones:
        pdf.line_of(w.gettext("Local times: %(zones)s", zones=zones), 9, MUTED)
    if trip.published_at is not None:
        published = w.long_date(trip.published_at.date())
        pdf.line_of(w.gettext("Plan published on %(date)s", date=published), 9, MUTED)
    pdf.heading(w.gettext("Agenda"), 14)
    if not agenda:
        pdf.line_of(w.gettext("No meeting is planned."))
    for day, meetings in groupby(agenda, key=lambda m: m.local_start.date()):
        if pdf.will_page_break(30):  # a day's title goes with its first meetings
            pdf.add_page()
        _agenda_day(pdf, w.long_date(day), list(meetings), w)


def _agenda_day(pdf: BriefingPDF, day: str, meetings: list[ExportMeeting], w: Words) -> None:
    pdf.ln(1)
    pdf.line_of(day[:1].upper() + day[1:], 11, ACCENT, bold=True, gap=1)
    pdf.style(8.5)
    headings = (
        N_("Time"),
        N_("Delegate"),
        N_("Delegation"),
        N_("Host"),
        N_("City"),
        N_("Kind of collaboration"),
    )
    with pdf.table(
        col_widths=(30, 28, 28, 28, 22, 34),
        text_align="LEFT",
        line_height=4.2,
        padding=(1, 1.5),
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        headings_style=FontFace(emphasis="BOLD", color=ACCENT, fill_color=SHADE),
        v_align="TOP",
    ) as table:
        table.row([w.gettext(heading) for heading in headings])
        for m in meetings:
            cells = (
                w.time_range(m.local_start, m.local_end),
                m.delegate_name,
                m.delegation.short_name,
                m.host.short_name,
                m.city,
                w.label("track", m.track),
            )
            table.row([clean(cell) for cell in cells])


def _meeting_page(pdf: BriefingPDF, m: ExportMeeting, number: int, total: int, w: Words, budget: Budget):
    pdf.add_page()
    pdf.last_start = pdf.page_no()
    _meeting_header(pdf, m, w.gettext("Meeting %(n)s of %(total)s", n=number, total=total), w)
    _profiles(pdf, m, w, budget)
    _evidence(pdf, m, w, budget)
    questions = suggested_questions(m, w.locale, limit=budget.questions)
    if questions:
        pdf.heading(w.gettext("Questions to raise"))
        for question in questions:
            _bullet(pdf, question)


def _meeting_header(pdf: BriefingPDF, m: ExportMeeting, counter: str, w: Words) -> None:
    title = clean(f"{m.delegation.short_name} – {m.host.short_name}")
    pdf.start_section(title)
    pdf.line_of(counter, 9, MUTED, gap=1)
    pdf.line_of(title, 16, ACCENT, bold=True, gap=1)
    when = f"{w.long_date(m.local_start.date())}, {w.time_range(m.local_start, m.local_end)}"
    pdf.line_of(clean(f"{when[:1].upper()}{when[1:]} · {m.city}"), 11, bold=True, gap=1)
    delegate = m.delegate_name + (f" ({m.delegate_email})" if m.delegate_email else "")
    pdf.line_of(clean(w.labelled(w.gettext("Delegate"), delegate)), 10)
    pdf.line_of(w.track_and_score(m.track, m.score), 10, gap=1)
    reason = w.reason(m.reason, m.delegation.short_name, m.host.short_name)
    if reason.strip():
        pdf.set_fill_color(*SHADE)
        pdf.style(10)
        pdf.multi_cell(0, 5, clean(reason), fill=True, padding=2, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)
    if m.contacts:
        pdf.line_of(clean(w.labelled(w.gettext("Contacts"), "; ".join(m.contacts))), 9, MUTED)


def _profile_text(org: ExportOrg, w: Words, budget: Budget) -> str:
    place = ", ".join(part for part in (org.city, w.label("region", org.region)) if part)
    lines = [clean(org.name), f"{w.label('org_type', org.type)} · {clean(place)}"]
    if org.website.strip():
        lines.append(clean(org.website))
    limits = {"expertise": budget.expertise, "offers": budget.offers, "seeks": budget.seeks}
    for field in PROFILE_TEXT_FIELDS:
        body = trim(getattr(org, field), limits[field])
        if body:
            lines.append("\n" + w.labelled(w.label("field", field), body))
    return "\n".join(lines)


def _two_columns(pdf: BriefingPDF, heads: tuple[str, str], rows: list[tuple[str, str]], size: float = 8):
    pdf.style(size)
    with pdf.table(
        col_widths=(1, 1),
        text_align="LEFT",
        line_height=size * 0.47,
        padding=(1.5, 2),
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        headings_style=FontFace(emphasis="BOLD", color=ACCENT, fill_color=SHADE),
        v_align="TOP",
    ) as table:
        table.row(list(heads))
        for row in rows:
            table.row(list(row))


def _profiles(pdf: BriefingPDF, m: ExportMeeting, w: Words, budget: Budget) -> None:
    pdf.heading(w.gettext("The two organisations"))
    heads = (
        clean(f"{w.gettext('Delegation')} · {m.delegation.short_name}"),
        clean(f"{w.gettext('Host')} · {m.host.short_name}"),
    )
    _two_columns(pdf, heads, [(_profile_text(m.delegation, w, budget), _profile_text(m.host, w, budget))])


def _evidence(pdf: BriefingPDF, m: ExportMeeting, w: Words, budget: Budget) -> None:
    pdf.heading(w.gettext("What brings them together"))
    evidence = m.evidence
    direction = evidence.direction if evidence else "none"
    if direction in HOST_DIRECTION_LABELS:  # which way the fit runs, seen from the delegate reading the pack
        pdf.line_of(w.gettext(HOST_DIRECTION_LABELS[direction], host=clean(m.host.short_name)), 10, gap=1)
    passages = evidence.passages[: budget.passages] if evidence else ()
    if passages:
        rows = [
            (
                _passage(p.own_field, p.own_text, w, budget.passage),
                _passage(p.partner_field, p.partner_text, w, budget.passage),
            )
            for p in passages
        ]
        _two_columns(pdf, (clean(m.delegation.short_name), clean(m.host.short_name)), rows)
    else:
        pdf.line_of(w.gettext("No passage to quote."), 9, MUTED)
    if evidence and evidence.shared_topics:
        topics = " · ".join(topic.label(w.locale) for topic in evidence.shared_topics)
        pdf.ln(1)
        pdf.line_of(w.labelled(w.gettext("Shared topics"), topics), 9.5)
    if evidence and evidence.shared_terms:
        terms = clean(", ".join(evidence.shared_terms))
        pdf.line_of(w.labelled(w.gettext("Words in common"), terms), 9.5, MUTED)


def _passage(field: str, body: str, w: Words, limit: int) -> str:
    return w.labelled(w.label("field", field), trim(body, limit))


def _bullet(pdf: BriefingPDF, value: str) -> None:
    pdf.style(9.5)
    pdf.cell(5, 4.8, "•")
    pdf.multi_cell(0, 4.8, clean(value), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(0.8)
