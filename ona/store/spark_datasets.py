"""A dataset read by Spark, kept in the driver's store without its events.

Input: :class:`ona.spark.load.Loaded` (people, aliases, people history,
the validation report and the counts of the events Spark staged). Output:
the stored :class:`DatasetInfo`. The store then holds what the driver's
stages read (people and their groups, the validation report and its
rejected rows, the dataset's counts and first / last event) and no event:
pair weights and handoff tables come from the Spark engine, which reads the
staged tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ona.store.models import DatasetInfo

if TYPE_CHECKING:
    from ona.spark.load import Loaded
    from ona.store.store import Store

__all__ = ["save_loaded"]


def save_loaded(store: Store, loaded: Loaded, *, dataset_id: str, workspace: str) -> DatasetInfo:
    """Save the driver's part of a dataset read by Spark, with the counts of its staged events.

    Raises
    ------
    ParameterError
        If ``dataset_id`` is already in use.
    """
    info = store.save_dataset(loaded.dataset, dataset_id=dataset_id, workspace=workspace)
    counts = {**loaded.counts, "first_event": loaded.first_event, "last_event": loaded.last_event}
    try:
        with store._datasets, store._cursor() as con:
            con.execute(f"UPDATE datasets SET {', '.join(f'{k} = ?' for k in counts)} WHERE dataset_id = ?",
                        [*counts.values(), info.dataset_id])
    except BaseException:
        store.delete_dataset(info.dataset_id)
        raise
    return store.get_dataset(info.dataset_id)
