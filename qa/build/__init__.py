"""Building an index and opening it for every caller.

Owns the build (``builder``: corpus -> passages -> vectors -> keyword
indexes -> calibration -> ONNX export -> published files), the off-topic
probes and the calibration fitted on them (``probes``, ``calibration``, with
``data/``), the interview at a glance (``glance``: the outline and the
request-kind classifier, fitted on ``data/kinds-*.jsonl``), whether an index
still fits (``freshness``), and the one way to open an index (``ensure``: :func:`~qa.build.ensure.ensure_index`).

May import ``qa.index``, ``qa.answer`` (calibration scores probe questions
exactly as search does) and the core modules; never ``qa.eval``,
``qa.feedback``, ``qa.web`` or ``qa.cli``.
"""
