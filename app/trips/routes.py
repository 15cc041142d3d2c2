"""Delegation trips for coordinators: the list, a trip's set-up (delegation, delegates, hosts, pairs, slots).

Planning, the draft grid, publication and the members' page are in ``app/trips/draft.py``.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from app.db import get_db
from app.errors import describe, field_error
from app.i18n import city_label
from app.operations import trip_setup as setup
from app.trips import draft, groups, lifecycle, plan_jobs, planning, queries, travel
from app.trips import meetings as store
from app.trips.access import coordinators_only, get_trip_or_404
from app.trips.forms import (
    ActionForm,
    ConstraintForm,
    DelegateForm,
    HostForm,
    OrgForm,
    SlotsForm,
    TripForm,
    options,
)
from models.errors import NotFound, PasserelleError
from models.trips.rules import hosts_outside
from models.trips.shapes import Host

bp = Blueprint("trips", __name__, url_prefix="/trips")
bp.before_request(coordinators_only)


@bp.app_template_filter("trip_day")
def trip_day(value: str, pattern: str = "EEE d MMM") -> str:
    """An ISO date as a short local date, e.g. "lun. 11 mai"."""
    return format_date(date.fromisoformat(value[:10]), pattern)


@bp.app_context_processor
def _labels():
    return {
        "trip_state": lifecycle.state_of,
        "plan_gain": planning.plan_gain,
        "plan_change": planning.plan_change,
        "plan_failure": lambda job: describe(plan_jobs.failure(job)),
    }


@bp.get("/")
def index():
    """Every trip with its counts."""
    return render_template("trips/index.html", trips=queries.list_trips(get_db()))


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Create a trip (with default daily slots)."""
    form = TripForm(status="planned")
    if form.validate_on_submit():
        trip_id = _setup(form, setup.create_trip, form.fields())
        if trip_id is not None:
            flash(_("The trip is created with default slots. Add its delegation and hosts."), "success")
            return redirect(url_for("trips.show", trip_id=trip_id))
    return render_template("trips/new.html", form=form), 400 if form.is_submitted() else 200


@bp.get("/<int:trip_id>")
def show(trip_id: int):
    """A trip's set-up, its last plan and the buttons to plan and publish."""
    return _render_show(get_trip_or_404(trip_id))


@bp.post("/<int:trip_id>/edit")
def edit(trip_id: int):
    """Change the trip's details."""
    trip = get_trip_or_404(trip_id)
    form = TripForm()
    if form.validate_on_submit() and _setup(form, setup.update_trip, trip_id, form.fields()) is not None:
        flash(_("The trip is saved."), "success")
        return redirect(url_for("trips.show", trip_id=trip_id))
    return _refused(trip, trip_form=form)


@bp.post("/<int:trip_id>/slots")
def slots(trip_id: int):
    """Replace the daily slots by a template (slots that stay keep their draft meetings)."""
    trip = get_trip_or_404(trip_id)
    form = SlotsForm()
    done = form.validate_on_submit() and _setup(
        form, setup.set_slots, trip_id, list(form.time_list()), form.minutes.data,
        weekdays_only=form.weekdays_only.data,
    )  # fmt: skip
    if not done:
        return _refused(trip, slots_form=form)
    count, removed = done
    flash(_("The trip now has %(count)d slots.", count=count), "success")
    if removed:
        flash(_("%(n)d draft meetings were in removed slots and are gone.", n=removed), "info")
    return redirect(url_for("trips.show", trip_id=trip_id, _anchor="slots"))


@bp.post("/<int:trip_id>/delegation")
def add_org(trip_id: int):
    """Add an organisation to the delegation."""
    trip = get_trip_or_404(trip_id)
    form = _org_form(get_db(), trip)
    if not (form.validate_on_submit() and _setup(form, setup.add_to_delegation, trip_id, form.org_id.data)):
        return _refused(trip, org_form=form)
    flash(_("The organisation joins the delegation. Add its delegates."), "success")
    return redirect(url_for("trips.show", trip_id=trip_id, _anchor="delegation"))


@bp.post("/<int:trip_id>/delegation/<int:org_id>/remove")
def remove_org(trip_id: int, org_id: int):
    """Remove an organisation, its delegates, its pairs and its draft meetings."""
    done = _("The organisation has left the delegation, with its delegates and draft meetings.")
    return _remove(setup.remove_from_delegation, trip_id, org_id, done=done, anchor="delegation")


@bp.post("/<int:trip_id>/delegates")
def add_delegate(trip_id: int):
    """Add a delegate to one of the delegation's organisations."""
    trip = get_trip_or_404(trip_id)
    form = _delegate_form(get_db(), trip)
    if not (form.validate_on_submit() and _setup(form, setup.add_delegate, trip_id, form.org_id.data,
                                                 form.name.data, form.email.data or "")):  # fmt: skip
        return _refused(trip, delegate_form=form)
    flash(_("%(name)s is in the delegation.", name=form.name.data.strip()), "success")
    return redirect(url_for("trips.show", trip_id=trip_id, _anchor="delegation"))


@bp.post("/<int:trip_id>/delegates/<int:delegate_id>/remove")
def remove_delegate(trip_id: int, delegate_id: int):
    """Remove a delegate and their draft meetings."""
    done = _("The delegate is removed, with their draft meetings.")
    return _remove(setup.remove_delegate, trip_id, delegate_id, done=done, anchor="delegation")


@bp.post("/<int:trip_id>/hosts")
def save_host(trip_id: int):
    """Add a host, or change a host's city, capacity and receiving days."""
    trip = get_trip_or_404(trip_id)
    db = get_db()
    form = _host_form(db, trip)
    org_id = form.org_id.data
    if not form.validate_on_submit() or _setup(form, setup.save_host, trip_id, org_id, form.city.data or "",
                                               form.capacity.data, form.days.data) is None:  # fmt: skip
        return _refused(trip, host_form=form)
    flash(_("The host is saved."), "success")
    city = queries.get_host(db, trip_id, org_id)["city"]
    if hosts_outside(trip["cities"], [Host(org_id, city)]):
        flash(_outside_warning(city, trip), "warning")
    return redirect(url_for("trips.show", trip_id=trip_id, _anchor="hosts"))


@bp.post("/<int:trip_id>/hosts/<int:org_id>/remove")
def remove_host(trip_id: int, org_id: int):
    """Remove a host, its pairs and its draft meetings."""
    done = _("The host is removed, with its draft meetings.")
    return _remove(setup.remove_host, trip_id, org_id, done=done, anchor="hosts")


@bp.post("/<int:trip_id>/constraints")
def add_constraint(trip_id: int):
    """Make a (delegation organisation, host) pair must-meet or must-not-meet."""
    trip = get_trip_or_404(trip_id)
    form = _constraint_form(get_db(), trip)
    if not form.validate_on_submit() or _setup(form, setup.save_pair, trip_id, form.org_id.data,
                                               form.host_org_id.data, form.kind.data) is None:  # fmt: skip
        return _refused(trip, constraint_form=form)
    flash(_("The rule is saved; it applies the next time the trip is planned."), "success")
    return redirect(url_for("trips.show", trip_id=trip_id, _anchor="pairs"))


@bp.post("/<int:trip_id>/constraints/<int:org_id>/<int:host_org_id>/remove")
def remove_constraint(trip_id: int, org_id: int, host_org_id: int):
    """Drop a pair's rule."""
    done = _("The rule is removed.")
    return _remove(setup.remove_pair, trip_id, org_id, host_org_id, done=done, anchor="pairs")


def _setup(form, operation, *args, **kwargs):
    """Run a set-up operation as the signed-in coordinator: what it returns (True when it returns
    nothing), or None once its refusal is shown under the form's field (else flashed)."""
    try:
        result = operation(get_db(), current_user, *args, **kwargs)
    except PasserelleError as error:
        field_error(form, error)
        return None
    return True if result is None else result


def _remove(operation, trip_id: int, *ids: int, done: str, anchor: str):
    """Run a set-up operation that removes something from the trip, say `done` and go back to the
    trip's `anchor` section; 404 when there is no such trip or the trip has no such thing."""
    get_trip_or_404(trip_id)
    try:
        operation(get_db(), current_user, trip_id, *ids)
    except NotFound:
        abort(404)
    flash(done, "success")
    return redirect(url_for("trips.show", trip_id=trip_id, _anchor=anchor))


def _org_form(db, trip: dict, **kwargs) -> OrgForm:
    form = OrgForm(**kwargs)
    taken = {org["id"] for org in queries.list_delegation(db, trip["id"])}
    orgs = [org for org in queries.region_orgs(db, queries.origin_region(trip)) if org["id"] not in taken]
    form.org_id.choices = options((org["id"], org["short_name"]) for org in orgs)
    return form


def _delegation_choices(db, trip: dict) -> list:
    """The delegation's organisations as a form's choices (delegates and pairs belong to one)."""
    return options((org["id"], org["short_name"]) for org in queries.list_delegation(db, trip["id"]))


def _delegate_form(db, trip: dict, **kwargs) -> DelegateForm:
    form = DelegateForm(**kwargs)
    form.org_id.choices = _delegation_choices(db, trip)
    return form


def _host_form(db, trip: dict, **kwargs) -> HostForm:
    form = HostForm(**kwargs)
    orgs = queries.region_orgs(db, queries.destination_region(trip))
    form.org_id.choices = options([(org["id"], f"{org['short_name']} ({org['city']})") for org in orgs])
    cities = [("", _("The organisation's own city"))] + [(city, city) for city in trip["cities"]]
    form.city.choices = options(cities)
    form.days.choices = options(day_choices(trip))
    return form


def _outside_warning(city: str, trip: dict) -> str:
    return _(
        "%(city)s is not one of the trip's cities (%(cities)s): check the host's city or add it to the trip.",
        city=city_label(city),
        cities=", ".join(map(city_label, trip["cities"])),
    )


def _constraint_form(db, trip: dict, **kwargs) -> ConstraintForm:
    form = ConstraintForm(**kwargs)
    form.org_id.choices = _delegation_choices(db, trip)
    hosts = queries.list_hosts(db, trip["id"])
    form.host_org_id.choices = options((host["org_id"], host["short_name"]) for host in hosts)
    return form


def day_choices(trip: dict) -> list[tuple[str, str]]:
    """(ISO date, "Mon 11 May") for every day of the trip."""
    return [(day.isoformat(), format_date(day, "EEE d MMM")) for day in queries.trip_days(trip)]


def _refused(trip: dict, **forms):
    flash(_("Nothing was saved: correct the form below."), "error")
    return _render_show(trip, status=400, **forms)


def _render_show(trip: dict, status: int = 200, **forms):
    db = get_db()
    slot_rows = queries.list_slots(db, trip["id"])
    slots_form = SlotsForm(
        formdata=None,
        times=", ".join(dict.fromkeys(row["start"] for row in slot_rows))
        or ", ".join(queries.DEFAULT_SLOT_TIMES),
        minutes=queries.DEFAULT_SLOT_MINUTES,
        weekdays_only=True,
    )
    blank = {"formdata": None}
    hosts = queries.list_hosts(db, trip["id"])
    outside = hosts_outside(trip["cities"], [Host(h["org_id"], h["city"]) for h in hosts])
    defaults = {
        "trip_form": TripForm(
            formdata=None,
            data={
                **trip,
                "cities": ", ".join(trip["cities"]),
                "start_date": date.fromisoformat(trip["start_date"]),
                "end_date": date.fromisoformat(trip["end_date"]),
            },
        ),
        "slots_form": slots_form,
        "org_form": _org_form(db, trip, **blank),
        "delegate_form": _delegate_form(db, trip, **blank),
        "host_form": _host_form(db, trip, **blank),
        "constraint_form": _constraint_form(db, trip, **blank),
    }
    return render_template(
        "trips/show.html",
        trip=trip,
        slot_rows=slot_rows,
        delegation=queries.list_delegation(db, trip["id"]),
        delegates=queries.list_delegates(db, trip["id"]),
        hosts=hosts,
        outside={host.org_id for host in outside},
        pairs=queries.list_constraints(db, trip["id"]),
        days=day_choices(trip),
        setup_gaps=planning.setup_gaps(db, trip),
        last_run=planning.last_run(db, trip["id"]),
        plan_job=plan_jobs.state(db, trip["id"]),
        draft_count=len(store.draft_rows(db, trip["id"])),
        report=store.preview(db, trip["id"]),
        action=ActionForm(),
        **{**defaults, **forms},
    ), status


draft.register(bp)
travel.register(bp)
groups.register(bp)
