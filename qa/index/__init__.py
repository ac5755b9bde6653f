"""The index: what a corpus becomes so that questions can be answered from it.

Owns reading the corpus (``documents``), cutting it into passages
(``chunking``), the embedding model and its cache (``embedding``,
``embedding_cache``), the torch-free ONNX encoder and its build-time export
(``onnx_encoder``, ``onnx_export``), the keyword index (``keyword``), the
index's typed identity (``spec``) and its files on disk (``store``).

May import the core modules (``qa.config``, ``qa.errors``, ``qa.types``,
``qa.files``, ``qa.inputs``) and nothing else of ``qa``.
"""
