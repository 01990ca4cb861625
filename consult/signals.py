"""Domain events, so that one domain can react to another without importing its views.

Receivers run inside the sender's transaction and must not commit.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: sent with ``statement=..., actor=...`` after a statement is added and flushed
statement_created = _signals.signal("statement-created")
#: sent with ``statement=..., actor=...`` after a pending or hidden statement becomes visible
#: (a moderator approved or restored it) and is flushed
statement_published = _signals.signal("statement-published")
#: sent with ``statement=..., actor=..., value=...`` after a vote is stored
vote_cast = _signals.signal("vote-cast")
#: sent with ``consultation=..., actor=..., before=..., after=...`` after a status change
consultation_status_changed = _signals.signal("consultation-status-changed")
#: sent with ``consultation=..., actor=..., before=..., after=...`` before an allowed status
#: change is applied; a receiver refuses the change by raising a ConsultError (e.g. Conflict)
consultation_status_changing = _signals.signal("consultation-status-changing")
#: sent with ``user=..., block=..., actor=...`` after a block or suspension is added and flushed;
#: a receiver hides what it must and returns ``{consultation id: {statement id: old status}}``
account_restricted = _signals.signal("account-restricted")
#: sent with ``user=..., block=..., actor=...`` (actor None when a suspension ends by itself)
#: after a block is lifted; a receiver restores what the block hid and returns what it restored
account_reinstated = _signals.signal("account-reinstated")
#: sent with ``user=...`` when an account's e-mail address is confirmed; the statements domain
#: publishes what the account posted while unverified
account_verified = _signals.signal("account-verified")
