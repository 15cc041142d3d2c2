"""The network picture: BFC on the left, Québec on the right, pairings as links (server-side SVG)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from models.vocabulary import REGIONS

ROW = 26  # vertical room per organisation, enough for a 13px label
TOP = 56
WIDTH = 960
LEFT_X, RIGHT_X = 300, 660  # where the nodes sit; labels run outwards from them
LABEL_CHARS = 34
# Bounds of one picture, whatever the size of the network (100,000 organisations made a 26 MB page):
MAX_LINKS = 400  # approved pairings first, then the best scored
MAX_COLUMN = 200  # organisations a side beyond those a drawn link needs


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
    links_total: int = 0  # pairings in the chosen statuses and track, drawn or not
    orgs_total: int = 0  # organisations in the database, drawn or not

    @property
    def bounded(self) -> bool:
        """Whether some pairings or organisations are left out of the picture."""
        return self.links_total > len(self.links) or self.orgs_total > len(self.nodes)


def picture(db: Database, statuses: tuple[str, ...], track: str | None = None) -> Picture:
    """Lay out the pairings in ``statuses`` (optionally one track) and their organisations.

    At most MAX_LINKS pairings, and besides their organisations at most MAX_COLUMN a side.
    """
    pairs, links_total = _pairings(db, statuses, track)
    orgs = _organisations(db, {org_id for *_, b, q in pairs for org_id in (b, q)})
    orgs_total = db.execute("SELECT COUNT(*) FROM organisations").fetchone()[0]
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
    return Picture(WIDTH, height, list(nodes.values()), links, links_total, orgs_total)


def _pairings(db: Database, statuses: tuple[str, ...], track: str | None) -> tuple[list[tuple], int]:
    """The pairings drawn (approved first, then by score; at most MAX_LINKS) and how many there are."""
    if not statuses:
        return [], 0
    where = f"status IN ({', '.join('?' for _ in statuses)})"
    params = list(statuses)
    if track:
        where, params = where + " AND track = ?", [*params, track]
    total = db.execute(f"SELECT COUNT(*) FROM pairings WHERE {where}", params).fetchone()[0]
    sql = (
        f"SELECT id, status, track, bfc_org_id, qc_org_id FROM pairings WHERE {where} "
        "ORDER BY status = 'approved' DESC, score DESC NULLS LAST, id LIMIT ?"
    )
    rows = sorted(tuple(row) for row in db.execute(sql, [*params, MAX_LINKS]))
    return rows, total


def _organisations(db: Database, linked: set[int]) -> list[dict]:
    """The organisations the links need, plus others up to MAX_COLUMN a side, ordered by name."""
    columns = "id, short_name, name, region, city"
    orgs: list[dict] = []
    ids = sorted(linked)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        orgs += db.query(
            f"SELECT {columns} FROM organisations WHERE id IN ({', '.join('?' * len(chunk))})", chunk
        )
    for region in REGIONS:
        room = max(MAX_COLUMN - sum(1 for org in orgs if org["region"] == region), 0)
        others = db.query(
            f"SELECT {columns} FROM organisations WHERE region = ? ORDER BY name COLLATE NOCASE, id LIMIT ?",
            [region, room + len(linked)],
        )
        orgs += [org for org in others if org["id"] not in linked][:room]
    return sorted(orgs, key=lambda org: (org["region"], org["name"].casefold(), org["id"]))


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
