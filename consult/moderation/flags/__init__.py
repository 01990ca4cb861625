"""Flags: participants report statements; enough flags hide one until a moderator decides."""
