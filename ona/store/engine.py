"""The event-side engine: where events become pair weights.

Input: a :class:`ona.store.Store` holding the dataset (people, validation,
group labels) and :class:`ona.params.AnalysisParams`. Output:
:class:`ona.store.models.PairWeights` for the one-machine graph stage.

The engine is an execution choice, not an analysis parameter: every engine
computes the same pair weights and ticket handoff tables from the same SQL
(:mod:`ona.store.weights`, :mod:`ona.store.handoffs`), so results do not
depend on it. DuckDB (the
store itself) is the default; :class:`ona.store.spark.SparkEngine` runs the
same statements as Spark jobs when the events outgrow one machine.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from ona.params import AnalysisParams
from ona.store.handoffs import HandoffTables, handoff_tables
from ona.store.models import PairWeights

if TYPE_CHECKING:
    from ona.store.store import Store

__all__ = ["DuckDBEngine", "EventEngine"]


class EventEngine(Protocol):
    """Computes the event-side aggregates of a stored dataset."""

    def pair_weights(self, store: Store, dataset_id: str, params: AnalysisParams, *,
                     weekly: bool = False) -> PairWeights:
        """Pair weights (and with ``weekly`` the weight of every tie per week), events and external weights."""
        ...

    def handoff_tables(self, store: Store, dataset_id: str, groups: dict[str, str], *,
                       since: datetime | None = None, until: datetime | None = None) -> HandoffTables:
        """The ticket visits, tickets and handoff rows of :func:`ona.store.handoffs.handoff_tables`
        (groups: person_id -> group); :mod:`ona.analysis.handoffs` computes the metrics from them."""
        ...


class DuckDBEngine:
    """The default engine: the store's embedded DuckDB."""

    def pair_weights(self, store: Store, dataset_id: str, params: AnalysisParams, *,
                     weekly: bool = False) -> PairWeights:
        return store.pair_weights(dataset_id, params, weekly=weekly)

    def handoff_tables(self, store: Store, dataset_id: str, groups: dict[str, str], *,
                       since: datetime | None = None, until: datetime | None = None) -> HandoffTables:
        return handoff_tables(store, dataset_id, groups, since=since, until=until)
