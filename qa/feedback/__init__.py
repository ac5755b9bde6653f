"""Feedback: the likes and dislikes readers give answers, and the database
that keeps them (SQLite or PostgreSQL).

May import the core modules only: a vote is a record of what was shown, not a
query, so nothing here touches the index or the answer layer.
"""
