"""Question answering over the CICA interview: passages, embeddings, FAISS."""

__version__ = "0.1.0"
