"""Mail as the worker sends it: Flask-Mailman configured from ``PASSERELLE_SMTP_URL``, messages
rendered from templates in the recipient's language, and the ``.eml`` folder used when no SMTP
server is configured.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import Flask, current_app, render_template, request
from flask_babel import force_locale
from flask_mailman import EmailMultiAlternatives, Mail
from flask_mailman.backends.base import BaseEmailBackend

from app.i18n import LANGUAGES, label

mail = Mail()
EML_BACKEND = "app.mail.EmlEmailBackend"
DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class MailConfigError(ValueError):
    """``PASSERELLE_SMTP_URL`` cannot be read; the message says what to change."""


def smtp_settings(url: str) -> dict:
    """Flask-Mailman settings from ``smtp://user:pass@host:587`` (STARTTLS) or ``smtps://host:465`` (TLS)."""
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise MailConfigError(
            "PASSERELLE_SMTP_URL must look like smtp://user:password@host:587 or smtps://host:465, "
            f"got {url!r}"
        )
    port = parts.port or DEFAULT_PORTS[parts.scheme]
    return {
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": parts.hostname,
        "MAIL_PORT": port,
        "MAIL_USERNAME": unquote(parts.username) if parts.username else None,
        "MAIL_PASSWORD": unquote(parts.password) if parts.password else None,
        "MAIL_USE_SSL": parts.scheme == "smtps",
        # STARTTLS, except on port 25 (server to server) and to this machine (a local relay, the tests)
        "MAIL_USE_TLS": parts.scheme == "smtp" and port != 25 and parts.hostname not in LOOPBACK,
    }


def init_app(app: Flask) -> None:
    """Configure Flask-Mailman: SMTP when ``SMTP_URL`` is set, else ``.eml`` files in ``MAIL_DIR``."""
    config = app.config
    config.setdefault("MAIL_DIR", str(Path(app.instance_path) / "mail"))
    config["MAIL_DEFAULT_SENDER"] = config["MAIL_SENDER"]
    config.setdefault("MAIL_TIMEOUT", 20)
    if config.get("SMTP_URL"):
        config.update(smtp_settings(config["SMTP_URL"]))
    else:
        config["MAIL_BACKEND"] = EML_BACKEND
        config["MAIL_FILE_PATH"] = config["MAIL_DIR"]
    mail.init_app(app)


def delivery_target(app: Flask) -> str:
    """Where mails go, as `make run` and the worker say it."""
    config = app.config
    if config.get("SMTP_URL"):
        return f"SMTP server {config['MAIL_SERVER']}:{config['MAIL_PORT']}"
    return f".eml files in {config['MAIL_DIR']}"


class EmlEmailBackend(BaseEmailBackend):
    """Writes each message as one ``.eml`` file, named after the outbox row, in ``MAIL_FILE_PATH``."""

    def send_messages(self, email_messages) -> int:
        folder = Path(self.mailman.file_path)
        folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            name = message.extra_headers["Message-ID"].strip("<>").split("@")[0]
            temporary = folder / f".{name}.tmp"
            temporary.write_bytes(message.message().as_bytes())
            temporary.replace(folder / f"{name}.eml")  # whole or absent
        return len(email_messages)


def build_message(row: dict, connection=None) -> EmailMultiAlternatives:
    """The outbox row as a mail with a text and an HTML part, in the row's language."""
    app = current_app._get_current_object()
    params = json.loads(row["params"])
    language = row["language"] if row["language"] in LANGUAGES else "fr"
    with app.test_request_context(base_url=app.config["BASE_URL"]), force_locale(language):
        # Paths from url_for already hold BASE_URL's own path, if any: prefix them with the host only.
        context = {"params": params, "row": row, "base_url": request.host_url.rstrip("/")}
        context.update(_template_context(row, params))
        subject = str(context.pop("subject"))  # lazy strings: translate while the locale is forced
        text = render_template(f"mail/{row['template']}.txt", subject=subject, **context)
        html = render_template(f"mail/{row['template']}.html", subject=subject, **context)
    headers = {"Message-ID": row["message_id"], "Auto-Submitted": "auto-generated"}
    headers.update(context.get("headers", {}))
    message = EmailMultiAlternatives(
        str(subject),
        text,
        app.config["MAIL_SENDER"],
        [row["recipient"]],
        headers=headers,
        connection=connection,
    )
    message.attach_alternative(html, "text/html")
    return message


def _template_context(row: dict, params: dict) -> dict:
    """Subject and the values a template needs beyond its params (links, wording)."""
    template = row["template"]
    if template == "notification":
        from app.auth.queries import org_ids_of
        from app.db import get_db
        from app.notifications.events import link, sentence, title

        event = params["event"]
        org_ids = org_ids_of(get_db(), row["user_id"]) if row["user_id"] else ()
        context = {
            "subject": title(event, params),
            "sentence": sentence(event, params),
            "link": link(event, params, org_ids),
        }
        if params.get("answer_id") and params.get("host_id") in org_ids:
            from app.hosting.links import answer_url

            context["answer_link"] = answer_url(params["answer_id"], row["user_id"], params["sequence"])
        return context
    if template in ("invite", "reset"):
        from app.auth.links import link_url, max_age_hours

        return {
            "subject": label("mail_subject", template),
            "link": link_url(row, params),
            "hours": max_age_hours(template),
        }
    if template == "digest":
        from app.notifications.digest import digest_context

        return {"subject": label("mail_subject", template), **digest_context(row, params)}
    raise ValueError(f"unknown mail template {template!r}")
