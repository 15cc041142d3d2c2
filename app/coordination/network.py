"""The network picture: BFC on the left, Québec on the right, pairings as links (server-side SVG)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from app.orgs.queries import list_organisations

ROW = 26  # vertical room per organisation, enough for a 13px label
TOP = 56
WIDTH = 960
LEFT_X, RIGHT_X = 300, 660  # where the nodes sit; labels run outwards from them
LABEL_CHARS = 34
# A picture stays readable and small: at most this many links (approved first, then best scored),
# and when there are more organisations than MAX_NODES, only those with a link drawn.
MAX_LINKS = 300
MAX_NODES = 120


@dataclass(frozen=True)
class Node:
    id: int
    short_name: str
    name: str
    region: str
    city: str
    x: int
    y: int
    degree: int

    @property
    def label(self) -> str:
        """The short name, cut to fit the column."""
        text = self.short_name
        return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


@dataclass(frozen=True)
class Link:
    pairing_id: int
    status: str
    track: str
    bfc: Node
    qc: Node

    @property
    def path(self) -> str:
        """A smooth S-curve from the BFC node to the Québec node."""
        middle = (self.bfc.x + self.qc.x) // 2
        return (
            f"M{self.bfc.x},{self.bfc.y} C{middle},{self.bfc.y} {middle},{self.qc.y} {self.qc.x},{self.qc.y}"
        )


@dataclass(frozen=True)
class Picture:
    width: int
    height: int
    nodes: list[Node]
    links: list[Link]
    total_links: int = 0  # pairings in the chosen statuses, drawn or not
    hidden_orgs: int = 0  # organisations left out because they have no link drawn


def picture(db: Database, statuses: tuple[str, ...], track: str | None = None) -> Picture:
    """Lay out every organisation and the pairings in ``statuses`` (optionally one track)."""
    orgs = list_organisations(db)
    pairs = _pairings(db, statuses, track)
    total_links = len(pairs)
    pairs = pairs[:MAX_LINKS]
    hidden_orgs = 0
    if len(orgs) > MAX_NODES:
        linked = {b for *_, b, _ in pairs} | {q for *_, q in pairs}
        hidden_orgs = len(orgs) - len(linked)
        orgs = [org for org in orgs if org["id"] in linked]
    bfc = [org for org in orgs if org["region"] == "BFC"]
    qc = [org for org in orgs if org["region"] == "QC"]
    qc = _by_barycentre(qc, bfc, [(q, b) for _, _, _, b, q in pairs])
    bfc = _by_barycentre(bfc, qc, [(b, q) for _, _, _, b, q in pairs])
    degree: dict[int, int] = {}
    for *_, b, q in pairs:
        degree[b] = degree.get(b, 0) + 1
        degree[q] = degree.get(q, 0) + 1
    nodes = {}
    for column, x in ((bfc, LEFT_X), (qc, RIGHT_X)):
        for position, org in enumerate(column):
            nodes[org["id"]] = Node(
                org["id"],
                org["short_name"],
                org["name"],
                org["region"],
                org["city"],
                x,
                TOP + position * ROW,
                degree.get(org["id"], 0),
            )
    links = [Link(pid, status, trk, nodes[b], nodes[q]) for pid, status, trk, b, q in pairs]
    links.sort(key=lambda link: link.status == "approved")  # approved drawn last, on top
    height = TOP + max(len(bfc), len(qc), 1) * ROW + 10
    return Picture(WIDTH, height, list(nodes.values()), links, total_links, hidden_orgs)


def _pairings(db: Database, statuses: tuple[str, ...], track: str | None) -> list[tuple]:
    if not statuses:
        return []
    where = f"status IN ({', '.join('?' for _ in statuses)})"
    params = list(statuses)
    if track:
        where, params = where + " AND track = ?", [*params, track]
    sql = (
        f"SELECT id, status, track, bfc_org_id, qc_org_id FROM pairings WHERE {where} "
        "ORDER BY status = 'approved' DESC, score DESC, id"
    )
    return [tuple(row) for row in db.execute(sql, params)]


def _by_barycentre(column: list[dict], other: list[dict], edges: list[tuple[int, int]]) -> list[dict]:
    """Order a column by the mean position of its partners in the other column (fewer crossings)."""
    position = {org["id"]: index for index, org in enumerate(other)}
    partners: dict[int, list[int]] = {}
    for own, partner in edges:
        if partner in position:
            partners.setdefault(own, []).append(position[partner])

    def key(item: tuple[int, dict]) -> tuple:
        index, org = item
        linked = partners.get(org["id"])
        return (0, sum(linked) / len(linked), index) if linked else (1, 0, index)

    return [org for _, org in sorted(enumerate(column), key=key)]
