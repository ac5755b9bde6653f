"""Evaluation: how well the system answers, measured on question sets.

Owns the question sets and their reader (``datasets``, with the gold sets in
``data/``), the metrics and the paired permutation test (``metrics``),
running an evaluation (``evaluation``) and its typed report (``report``), the
TREC run and qrels files (``trec``), the blind sets (``blind``) and the
glance sets judged by the recall of their points (``glance``), and fitting the scoring models on the dev
split (``tuning``).

May import ``qa.answer``, ``qa.index`` and the core modules; never
``qa.feedback``, ``qa.web`` or ``qa.cli``.
"""
