"""GET /api/v1/openapi.json: a valid OpenAPI 3 document of every endpoint."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

IGNORED_METHODS = {"HEAD", "OPTIONS"}
MY_SCHEMAS = {
    "ConsultationSchema",
    "ConsultationInputSchema",
    "ConsultationPageSchema",
    "StatementSchema",
    "StatementInputSchema",
    "StatementPageSchema",
    "LinkSchema",
    "VoteInputSchema",
    "VoteSchema",
    "VoteCountsSchema",
    "UserSchema",
    "Error",
}


@pytest.fixture
def document(api):
    response = api.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def openapi_path(rule):
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_openapi_document_is_valid(document):
    validate(document)

    assert document["openapi"].startswith("3.")


def test_openapi_names_components_after_the_schemas(document):
    assert set(document["components"]["schemas"]) >= MY_SCHEMAS


def test_openapi_documents_every_api_route_and_method(app, document):
    expected = {
        (openapi_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in rule.methods - IGNORED_METHODS
    }
    documented = {
        (path, method) for path, operations in document["paths"].items() for method in operations
    }

    assert expected, "no API routes registered"
    assert expected <= documented, sorted(expected - documented)


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/api/v1/consultations", "get"),
        ("/api/v1/consultations", "post"),
        ("/api/v1/consultations/{consultation_id}", "get"),
        ("/api/v1/consultations/{consultation_id}", "patch"),
        ("/api/v1/consultations/{consultation_id}/statements", "get"),
        ("/api/v1/consultations/{consultation_id}/statements", "post"),
        ("/api/v1/statements/{statement_id}", "get"),
        ("/api/v1/statements/{statement_id}/vote", "put"),
    ],
)
def test_openapi_documents_the_contract_endpoints(document, path, method):
    operation = document["paths"][path][method]

    assert operation["summary"]
    assert "200" in operation["responses"] or "201" in operation["responses"]


def test_openapi_input_schemas_carry_the_validation_rules(document):
    schemas = document["components"]["schemas"]

    statement_input = schemas["StatementInputSchema"]
    assert statement_input["additionalProperties"] is False
    assert set(statement_input["required"]) == {"text", "kind"}
    assert statement_input["properties"]["kind"]["enum"] == ["position", "argument"]
    assert statement_input["properties"]["text"]["maxLength"] == 2000
    assert schemas["LinkSchema"]["properties"]["relation"]["enum"] == ["support", "attack"]
    assert schemas["VoteInputSchema"]["properties"]["value"]["enum"] == [
        "agree",
        "disagree",
        "pass",
    ]
    consultation_input = schemas["ConsultationInputSchema"]["properties"]
    assert consultation_input["moderation"]["enum"] == ["post", "pre"]
    assert consultation_input["closes_at"]["format"] == "date-time"
    assert consultation_input["title"]["maxLength"] == 200


def test_openapi_operations_reference_the_schemas(document):
    post = document["paths"]["/api/v1/consultations/{consultation_id}/statements"]["post"]

    body = post["requestBody"]["content"]["application/json"]["schema"]
    created = post["responses"]["201"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/StatementInputSchema"}
    assert created == {"$ref": "#/components/schemas/StatementSchema"}


def test_openapi_output_schema_fields(document):
    schemas = document["components"]["schemas"]

    consultation = schemas["ConsultationSchema"]["properties"]
    assert {"id", "slug", "title", "summary", "status", "opens_at", "closes_at", "counts"} <= set(
        consultation
    )
    statement = schemas["StatementSchema"]["properties"]
    assert {"id", "kind", "text", "author", "created_at", "links", "votes", "my_vote"} <= set(
        statement
    )
    assert statement["my_vote"]["nullable"] is True
    assert set(schemas["VoteCountsSchema"]["properties"]) == {"agree", "disagree", "pass"}


def test_openapi_declares_authentication(document):
    schemes = document["components"]["securitySchemes"]

    assert schemes["bearer"] == {"type": "http", "scheme": "bearer"}
    assert schemes["session"]["in"] == "cookie"
