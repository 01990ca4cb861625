"""/api/v1/users/{id}/blocks: list, add and lift an account's blocks and suspensions."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from consult.api import ID_RULE, api, forbid, load_body, login_required_json, not_found
from consult.auth.models import User
from consult.auth.standing import active_block, blocks_of, expire_suspensions
from consult.errors import NotFound
from consult.extensions import db
from consult.moderation.api_common import moderated_consultation, require_moderator
from consult.moderation.blocks.services import block_user, lift_block
from consult.moderation.permissions import can_block_user, can_view_user_record
from consult.moderation.schemas import (
    BlockInputSchema,
    BlockListSchema,
    BlockSchema,
    UnblockInputSchema,
)


def _user_for_blocks(user_id: int, *, acting: bool) -> User:
    require_moderator()
    user = db.session.get(User, user_id)
    if user is None:
        raise not_found(_l("User not found."))
    allowed = (
        can_block_user(current_user, user) if acting else can_view_user_record(current_user, user)
    )
    if not allowed:
        raise forbid(_l("You cannot manage this account's blocks."))
    return user


@api.get(f"/users/<{ID_RULE}:user_id>/blocks", endpoint="moderation_blocks")
@login_required_json
def blocks(user_id: int) -> Any:
    """The blocks and suspensions of an account.
    ---
    get:
      tags: [moderation]
      summary: Blocks and suspensions of an account, newest first, and the one in force.
      x-errors: [401, 403, 404]
      responses:
        200: {content: {application/json: {schema: BlockListSchema}}}
    """
    user = _user_for_blocks(user_id, acting=False)
    expire_suspensions()
    db.session.commit()
    return jsonify(BlockListSchema().dump({"items": blocks_of(user), "active": active_block(user)}))


@api.post(f"/users/<{ID_RULE}:user_id>/blocks", endpoint="moderation_block")
@login_required_json
def block(user_id: int) -> Any:
    """Suspend or block an account.
    ---
    post:
      tags: [moderation]
      summary: Suspend (with ends_at) or block an account; their statements are hidden.
      description: >
        Admins block anyone but themselves; moderators block participants who took part in a
        consultation they moderate. The account cannot post, vote or flag while it lasts.
      requestBody: {content: {application/json: {schema: BlockInputSchema}}}
      x-errors: [401, 403, 404, 409, 422]
      responses:
        201: {content: {application/json: {schema: BlockSchema}}}
    """
    user = _user_for_blocks(user_id, acting=True)
    data = load_body(BlockInputSchema())
    row = block_user(
        user,
        current_user,
        kind=data["kind"],
        reason=data["reason"],
        ends_at=data.get("ends_at"),
        consultation=moderated_consultation(data.get("consultation")),
    )
    db.session.commit()
    return jsonify(BlockSchema().dump(row)), 201


@api.delete(f"/users/<{ID_RULE}:user_id>/blocks", endpoint="moderation_unblock")
@login_required_json
def unblock(user_id: int) -> Any:
    """Lift an account's block or suspension.
    ---
    delete:
      tags: [moderation]
      summary: Lift the block or suspension in force and restore the statements it hid.
      requestBody: {content: {application/json: {schema: UnblockInputSchema}}}
      x-errors: [401, 403, 404, 422]
      responses:
        200: {content: {application/json: {schema: BlockSchema}}}
    """
    user = _user_for_blocks(user_id, acting=True)
    data = load_body(UnblockInputSchema())
    consultation = moderated_consultation(data.get("consultation"))
    try:
        row = lift_block(user, current_user, reason=data["reason"], consultation=consultation)
    except NotFound:
        raise not_found(_l("Active block not found.")) from None
    db.session.commit()
    return jsonify(BlockSchema().dump(row))
