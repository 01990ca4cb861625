"""The moderation tests' people, consultation and caller, shared with the thread tests."""

from tests.consult.moderation.conftest import (  # noqa: F401  (fixtures)
    author,
    call,
    consultation,
    moderator,
    other_moderator,
    people,
    statement,
)
