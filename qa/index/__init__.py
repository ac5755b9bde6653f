"""The index: what a corpus becomes so that questions can be answered from it.

Owns reading the corpus (``documents``), cutting it into passages
(``chunking``), the embedding model and its cache (``embedding``,
``embedding_cache``), the torch-free ONNX encoder and its build-time export
(``onnx_encoder``, ``onnx_export``), the keyword index (``keyword``), the
index's typed identity (``spec``), its files on disk (``store``), and what
the build knows of the document as a whole (``glance``: the request-kind
classifier's weights, the summary's and the introduction's sentences).

May import the core modules (``qa.config``, ``qa.errors``, ``qa.types``,
``qa.files``, ``qa.inputs``) and nothing else of ``qa``.
"""
