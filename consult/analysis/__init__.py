"""The analysis of a consultation: opinion groups, consensus, bridging, argument strength.

Rows become the analysis core's types in :mod:`~consult.analysis.adapters` (the only place), the
core (:mod:`debate`) computes, :mod:`~consult.analysis.services` caches the result, and every
reader parses it as a :class:`debate.result.AnalysisResult`.
"""
