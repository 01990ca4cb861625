"""Marshmallow fields and the page envelope every API schema module shares."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from marshmallow import Schema, fields, validate

from consult.text import clean_text
from consult.web import MAX_ID

_SURROGATES = re.compile("[\ud800-\udfff]")


class StrictInteger(fields.Integer):
    """A JSON integer: no strings, no fractions, no true/false (Python counts bools as ints)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return int(super()._deserialize(value, attr, data, **kwargs))


class Id(StrictInteger):
    """A row id in a JSON body: an integer from 1 to MAX_ID (the PostgreSQL ``integer`` range)."""

    def __init__(self, **kwargs: Any) -> None:
        validators = [validate.Range(min=1, max=MAX_ID)]
        extra = kwargs.pop("validate", None)
        if extra is not None:
            validators += list(extra) if isinstance(extra, list | tuple) else [extra]
        super().__init__(validate=validators, **kwargs)


class CleanString(fields.String):
    """A string cleaned like all user text (NFC, no control characters, trimmed).

    Length validators run on the cleaned value. ``single_line`` also folds every run of
    whitespace, newlines included, into one space (titles).
    """

    def __init__(self, *, single_line: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.single_line = single_line

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = str(super()._deserialize(value, attr, data, **kwargs))
        # JSON may carry lone UTF-16 surrogates ("\ud800"), which no database can store.
        text = clean_text(_SURROGATES.sub("", text))
        return " ".join(text.split()) if self.single_line else text


class UTCDateTime(fields.AwareDateTime):
    """An ISO 8601 date and time with a time zone; loaded and dumped in UTC."""

    default_error_messages = {
        "invalid": "Not a valid date and time: use ISO 8601, e.g. 2025-06-30T18:00:00+05:00.",
        "invalid_awareness": "Give a time zone, e.g. 2025-06-30T18:00:00Z or +05:00.",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("iso", **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        result = super()._deserialize(value, attr, data, **kwargs)
        try:
            return result.astimezone(UTC)
        except OverflowError:  # e.g. 0001-01-01T00:00+01:00 is before year 1 in UTC
            raise self.make_error("invalid") from None

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        result = super()._serialize(value.astimezone(UTC), attr, obj, **kwargs)
        return None if result is None else str(result)


def page_schema(name: str, item: type[Schema], **extra: fields.Field[Any]) -> type[Schema]:
    """The schema of one page of a list: ``{items, page, per_page, total}`` and ``extra`` fields.

    The class is named ``name`` and registered like a written one, in the item schema's module,
    so that API docstrings name it and the OpenAPI document has it as a component.
    """
    attrs: dict[str, Any] = {
        "__module__": item.__module__,
        "__doc__": f"One page of {item.__name__.removesuffix('Schema')} items.",
        "items": fields.List(fields.Nested(item)),
        "page": fields.Integer(),
        "per_page": fields.Integer(),
        "total": fields.Integer(),
        **extra,
    }
    return type(name, (Schema,), attrs)
