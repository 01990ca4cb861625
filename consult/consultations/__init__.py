"""Consultations: create, edit, open, close; their list and their discussion page."""
