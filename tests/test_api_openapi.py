"""The OpenAPI document is valid, served as built, and describes exactly the routes of /api/v1."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

from app.api.openapi import document

IGNORED_METHODS = {"HEAD", "OPTIONS"}  # answered by Flask itself for every rule
_PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def api_rules(app) -> dict[tuple[str, str], object]:
    """(OpenAPI path, lower-case method) -> werkzeug rule, for every rule under /api/v1."""
    found = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            path = _PARAMETER.sub(r"{\1}", rule.rule)
            for method in rule.methods - IGNORED_METHODS:
                found[(path, method.lower())] = rule
    return found


def documented(spec: dict) -> dict[tuple[str, str], dict]:
    """(path, method) -> operation, for every operation of the document."""
    return {(path, method): op for path, item in spec["paths"].items() for method, op in item.items()}


def test_the_document_is_valid_openapi():
    validate(document())


def test_the_served_document_is_the_built_one(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.json == document()


def test_every_route_is_documented_and_every_documented_operation_exists(app):
    rules, operations = api_rules(app), documented(document())
    assert sorted(rules) == sorted(operations)


def test_operation_ids_and_path_parameters_match_the_routes(app):
    operations = documented(document())
    for key, rule in api_rules(app).items():
        operation = operations[key]
        assert operation["operationId"] == rule.endpoint.removeprefix("api."), key
        in_path = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
        assert in_path == set(rule.arguments), key
        assert set(re.findall(r"{(\w+)}", key[0])) == in_path, key


@pytest.mark.parametrize("key", sorted(documented(document())))
def test_every_operation_documents_its_errors(key):
    operation = documented(document())[key]
    codes = set(operation["responses"])
    if key[0] != "/api/v1/openapi.json":
        assert {"401", "403"} <= codes
    if "{" in key[0]:
        assert "404" in codes
    if "requestBody" in operation:
        assert {"400", "413", "415", "422"} <= codes
