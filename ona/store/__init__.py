"""The embedded DuckDB store: datasets, canonical events, analyses.

The only place in ona that writes SQL. See :class:`Store`.
"""

from ona.store.models import PAIR_SCHEMA, AnalysisInfo, DatasetInfo, PairWeights
from ona.store.store import Store, scratch_store, store_for_load

__all__ = ["PAIR_SCHEMA", "AnalysisInfo", "DatasetInfo", "PairWeights", "Store", "scratch_store", "store_for_load"]
