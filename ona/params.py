"""The import path of :class:`AnalysisParams`, every knob of an analysis.

The class lives in the type layer, :mod:`ona.results.params`, because every
result carries its parameters; ``from ona.params import AnalysisParams`` is the
short path the CLI, the service and users' scripts import it by.
"""

from ona.results.params import AnalysisParams

__all__ = ["AnalysisParams"]
