"""The chat channel end to end: the analysis, its links, the department map and the report show it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ona.analysis.pipeline import analyze
from ona.params import AnalysisParams
from ona.report import render_report
from ona.viz.groups import department_map
from tests.io.imports.smallorg import write_canonical


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    folder = write_canonical(Path(tmp_path_factory.mktemp("org")))
    return analyze(folder, AnalysisParams(min_group_size=1, permutations=10))


def test_links_carry_the_chat_channel(result) -> None:  # type: ignore[no-untyped-def]
    links = {(lk.source, lk.target): lk for lk in result.links}
    # Legal-Sales: chats c6 eve->fay 1/3; Finance-Legal: c6 eve->ana, eve->cai 1/3 each
    assert links[("Legal", "Sales")].channels["chat"] == pytest.approx(1 / 3)
    assert links[("Finance", "Legal")].channels["chat"] == pytest.approx(2 / 3)
    assert links[("Finance", "Sales")].channels["chat"] == 0.0
    for lk in result.links:
        assert set(lk.channels) == {"email", "meeting", "ticket", "chat", "ties"}
    assert result.summary.events["chats"] == 6 and result.summary.events["chat_replies"] == 1
    assert result.parameters.chat_weight == 1.0 and result.parameters.chat_channel_posts is False
    json.dumps(result.model_dump(mode="json"))


def test_chat_weight_is_a_coefficient(tmp_path: Path) -> None:
    folder = write_canonical(tmp_path / "org")
    base = analyze(folder, AnalysisParams(min_group_size=1, permutations=10))
    none = analyze(folder, AnalysisParams(min_group_size=1, permutations=10, chat_weight=0.0))
    # the chat weights of the org sum to 2 + 1.5 + 0.5 + 1 + 3 * 1/3 = 6
    assert base.summary.total_weight - none.summary.total_weight == pytest.approx(6.0)


def test_figure_and_report_show_chats(result) -> None:  # type: ignore[no-untyped-def]
    fig = department_map(result, None)
    hover = " ".join(t for trace in fig.data if trace.hovertext is not None for t in trace.hovertext)
    assert "chat 0.3" in hover
    html = render_report(result, None)
    assert "6 chat messages" in html and "thread reply adds 1" in html
