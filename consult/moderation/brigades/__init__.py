"""Coordinated voting: suspected brigades, as evidence for moderators (nothing automatic)."""
