"""The words every face uses: labels, numbers and durations, and the findings in plain sentences.

Input: an :class:`~ona.results.AnalysisResult` or its values. Output: plain
strings (no markup: the caller escapes them). The report
(:mod:`ona.report.html`), the leaders' pages (``api/routers/pages.py``) and
the figures' hovers (:mod:`ona.viz`) all take their words from here, so a
finding, an action, a number or a duration is said the same way on every
face ("Second bridge", "21 hours", "2.3 days", "3 × buddy in Legal").

One namespace, three files:

- :mod:`~ona.report.words.labels`: groups, findings, actions and the figures
  of a recommendation in words, and the order weak links are numbered in;
- :mod:`~ona.report.words.numbers`: numbers, shares, p-values, durations;
- :mod:`~ona.report.words.sentences`: the executive summary and the findings
  in sentences, true for any result (no silo, one, many; viewer or analyst).

It imports nothing of ona but the result types: no figure, no template, no
analysis.
"""

from __future__ import annotations

from ona.report.words.labels import (
    FIGURE_WORDS,
    KIND_WORDS,
    LINK_KIND_WORDS,
    SHARE_FIGURES,
    figure_rows,
    figure_value,
    group_noun,
    kind_label,
    link_kinds,
    reason_label,
    reason_words,
    role_counts,
    split_reason,
    weak_links_in_order,
)
from ona.report.words.numbers import (
    hours,
    in_ten,
    join,
    number,
    pct,
    plural,
    pval,
    share_of_chance,
    times,
)
from ona.report.words.sentences import (
    EVENT_WORDS,
    MAX_LINKS,
    MAX_NAMED,
    NEXT_WEEK,
    Paragraph,
    ServicePair,
    action,
    bridge_sentences,
    community_sentences,
    comparison_sentences,
    crossed,
    data_sentences,
    describe_link,
    executive_summary,
    failing_pairs,
    failing_sentence,
    link_notes,
    link_sentences,
    next_week,
    problem_links,
    quiet_pair,
    scope,
    service_facts,
    service_pairs,
    service_sentences,
    silo_sentences,
    trend_sentences,
)

__all__ = [
    "EVENT_WORDS",
    "FIGURE_WORDS",
    "KIND_WORDS",
    "LINK_KIND_WORDS",
    "MAX_LINKS",
    "MAX_NAMED",
    "NEXT_WEEK",
    "Paragraph",
    "SHARE_FIGURES",
    "ServicePair",
    "action",
    "bridge_sentences",
    "community_sentences",
    "comparison_sentences",
    "crossed",
    "data_sentences",
    "describe_link",
    "executive_summary",
    "failing_pairs",
    "failing_sentence",
    "figure_rows",
    "figure_value",
    "group_noun",
    "hours",
    "in_ten",
    "join",
    "kind_label",
    "link_kinds",
    "link_notes",
    "link_sentences",
    "next_week",
    "number",
    "pct",
    "plural",
    "problem_links",
    "pval",
    "quiet_pair",
    "reason_label",
    "reason_words",
    "role_counts",
    "scope",
    "service_facts",
    "service_pairs",
    "service_sentences",
    "share_of_chance",
    "silo_sentences",
    "split_reason",
    "times",
    "trend_sentences",
    "weak_links_in_order",
]
