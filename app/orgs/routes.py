"""Directory pages of organisation profiles."""

from flask import Blueprint, redirect, render_template, url_for

from app.db import get_db
from app.orgs.queries import list_organisations

bp = Blueprint("orgs", __name__, url_prefix="/organisations")


def index():
    """The home page: the directory for now."""
    return redirect(url_for("orgs.directory"))


@bp.get("/")
def directory():
    """Every organisation, BFC then Québec."""
    orgs = list_organisations(get_db())
    regions = {region: [org for org in orgs if org["region"] == region] for region in ("BFC", "QC")}
    return render_template("orgs/directory.html", regions=regions, total=len(orgs))
