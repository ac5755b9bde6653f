"""``python -m qa train-verifier`` end to end, on a few questions of each
writer and one epoch: the files it writes are the ones the build reads."""

from __future__ import annotations

import json
import shutil

from qa.cli.main import main
from qa.train import examples
from tests.cli.test_cli import paths
from tests.conftest import ROOT

QUESTIONS_PER_WRITER = 12


def test_train_verifier_writes_the_verifier_and_the_readers_models(real_config, tmp_path, monkeypatch, capsys):
    data = tmp_path / "data"
    data.mkdir()
    for path in examples.writer_files()[:2]:  # two writers: each half of the cross-validation holds one out
        rows = [r for r in path.read_text(encoding="utf-8").splitlines() if r.strip()]
        kinds = {json.loads(r)["kind"] for r in rows}
        chosen = []
        for kind in sorted(kinds):  # answerable and absent questions of every writer
            chosen += [r for r in rows if json.loads(r)["kind"] == kind][: QUESTIONS_PER_WRITER // len(kinds)]
        (data / path.name).write_text("\n".join(chosen) + "\n", encoding="utf-8")
    monkeypatch.setattr(examples, "writer_files", lambda: sorted(data.glob("verifier-*.jsonl")))
    out = tmp_path / "out"
    out.mkdir()
    shutil.copy(ROOT / "qa" / "build" / "data" / "scoring.json", out / "scoring.json")

    code = main(["train-verifier", "--epochs", "1", "--seed", "7", "--out", str(out), *paths(real_config)])

    printed = capsys.readouterr().out
    assert code == 0
    assert "held-out writer" in printed and "paired permutation test" in printed
    assert {p.name for p in out.iterdir()} >= {"verifier.safetensors", "verifier.json", "reader-cv.jsonl"}
    identity = json.loads((out / "verifier.json").read_text(encoding="utf-8"))
    assert identity["recipe"]["seed"] == 7 and identity["recipe"]["epochs"] == 1
    scoring = json.loads((out / "scoring.json").read_text(encoding="utf-8"))
    assert set(scoring["reader"]) == {"pre", "selection", "claim"}
    assert scoring["reader_fitted"]["on"] == sorted(p.name for p in data.iterdir())
