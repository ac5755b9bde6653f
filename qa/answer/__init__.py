"""Answering: an opened index and a question -> ranked passages, the answer
sentence, and the outcome.

Owns the :class:`~qa.answer.search.Searcher` and the pure steps it
orchestrates: the views of each candidate passage and each mode's scores
(``retrieval`` over ``fusion``), follow-up questions (``followup``), the
answer sentence and the kind of answer a question asks for (``sentence``,
``answer_type``), whether it answers (``answerability``), and answers about
the interview as a whole: summaries, the interview itself, lists (``glance``).

May import ``qa.index`` and the core modules; never ``qa.build``, ``qa.eval``,
``qa.feedback``, ``qa.web`` or ``qa.cli``. Nothing here builds or writes.
"""
