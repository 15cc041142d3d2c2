"""Notifications: what happened, in the app and by mail, for the members of the organisations concerned.

The API other packages call, inside their own transaction (``from app.notifications import notify``)::

    notify(db, event="pairing_approved", org_ids=[bfc_id, qc_id],
           params={"org": "EFS BFC", "partner": "ThéCell", "track": "staff_exchange"},
           dedupe_key=f"pairing:{pairing_id}:{decision_id}", actor_id=user_id)

It records one in-app notification for each active member of those organisations (the actor left
out) and one mail in the outbox for each, in the member's language; ``(dedupe_key, recipient)`` is
unique, so calling it again for the same event records and mails nothing more. ``event`` is one of
:data:`EVENTS`. ``params`` hold codes and names, never sentences: the wording comes from the catalogue
in the reader's language when a page or a mail is rendered. Keys the wording uses: ``org`` (the
organisation the event comes from), ``partner`` (the other one), ``track`` (a track code), ``trip``,
``when`` (ISO date-time), ``city``, ``answer`` (``accepted``/``declined``), ``message`` (a person's
text, shown as written) and ``path`` (the page to open, e.g. ``/requests/12``).
"""

from app.notifications.events import EVENTS
from app.notifications.queries import notify, queue_mail

__all__ = ["EVENTS", "notify", "queue_mail"]
