"""Reason templates: the reusable reasons moderators pick from."""
