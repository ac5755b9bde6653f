"""Training: the models the project trains itself, from data it writes.

Owns the data written for training (``data/``: verifier pairs by writer,
per-language development questions), turning it into
examples (``examples``), the cross-encoder verifier (``verifier``: trained
with torch, shipped small), and the reader's decision models fitted on
writers held out whole (``decision``). ``python -m qa train-verifier`` runs
them with a fixed seed.

Build and training time only (torch). May import ``qa.index``,
``qa.answer``, ``qa.build``, ``qa.eval`` and the core modules; never
``qa.web`` or ``qa.cli``.
"""
