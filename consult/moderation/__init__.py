"""Moderation: flags, the review queue, decisions, merges, blocks, coordinated voting, reasons.

One sub-package per feature, each with its ``services`` (and ``views`` / ``api`` when it has a
page or endpoints): :mod:`~consult.moderation.flags`, :mod:`~consult.moderation.queue`,
:mod:`~consult.moderation.decisions`, :mod:`~consult.moderation.merge`,
:mod:`~consult.moderation.blocks`, :mod:`~consult.moderation.brigades`,
:mod:`~consult.moderation.reasons`, :mod:`~consult.moderation.similar`. The pages share one
blueprint (:mod:`consult.moderation.pages`, endpoints ``moderation.*``); importing a feature's
``views`` and ``api`` modules adds its routes, which :mod:`consult.moderation.wiring` does.
"""
