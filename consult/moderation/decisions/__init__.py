"""Decisions on statements: hide, restore, approve, dismiss flags; one at a time or in bulk."""
