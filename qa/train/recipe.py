"""What shapes a trained verifier: one small value, saved beside its weights
(light to import: the command line shows its defaults)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Recipe:
    """Everything that shapes a trained verifier; saved beside its weights."""

    layers: int = 3
    epochs: int = 4
    learning_rate: float = 8e-5
    batch: int = 16
    max_length: int = 96
    seed: int = 42
    threads: int = 2
