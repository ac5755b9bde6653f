"""The web chat: the Gradio page, its handlers and the ``ask`` API.

Owns the conversation as kept in the reader's browser (``conversation``),
answers as inert HTML and Markdown (``render``, ``citation``), and what the
server lets in (``http_guard``).

May import ``qa.answer``, ``qa.build`` (to open the index at start),
``qa.feedback`` and the core modules; never ``qa.cli`` or ``qa.eval``.
"""
