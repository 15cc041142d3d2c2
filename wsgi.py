"""WSGI entry point: ``flask --app wsgi run`` and ``gunicorn wsgi:app`` work with no flags."""

from app import create_app

app = create_app()
