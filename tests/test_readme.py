"""README shows what the commands print: its examples are cog blocks
(docs/readme_examples.py) run again here against a fresh index, and its
plain-HTTP example is run against the launched app."""

from __future__ import annotations

import re
import subprocess

from tests.conftest import ROOT

README = ROOT / "README.md"
DURATION = re.compile(r"\b\d+\.\d+ s\b")
DECIMAL = re.compile(r"-?\d+\.\d+")
# An index built with sentence-transformers and one rebuilt with the ONNX
# encoder differ in the last digits of a cosine; a confidence may move by a
# few thousandths. Every other difference is drift.
ROUNDING = 0.005  # far below one question of a split (1/22 = 0.045)


def same_but_for_rounding(shown: str, printed: str) -> bool:
    shown, printed = DURATION.sub("<t> s", shown), DURATION.sub("<t> s", printed)
    if DECIMAL.split(shown) != DECIMAL.split(printed):
        return False
    numbers = zip(DECIMAL.findall(shown), DECIMAL.findall(printed), strict=True)
    return all(abs(float(a) - float(b)) <= ROUNDING for a, b in numbers)


def test_readme_examples_are_what_the_commands_print(real_config, monkeypatch):
    from cogapp import Cog

    workdir = real_config.index_dir.parent  # holds corpus/ and index/, as the repository does
    monkeypatch.chdir(workdir)
    monkeypatch.syspath_prepend(str(ROOT / "docs"))
    for name in ("QA_CORPUS", "QA_INDEX", "QA_MODEL"):
        monkeypatch.delenv(name, raising=False)
    readme = README.read_text(encoding="utf-8")
    assert readme.count("[[[cog") >= 6
    regenerated = Cog().process_string(readme, fname=str(README))
    # Durations differ from run to run; everything else must be as shown.
    assert same_but_for_rounding(readme, regenerated), "README drifted: run `make readme`"


def test_the_readme_check_sees_drift_but_not_rounding():
    shown = "confidence 0.6327, 12 passages, 0.31 s"
    assert same_but_for_rounding(shown, "confidence 0.6333, 12 passages, 4.20 s")
    assert not same_but_for_rounding(shown, "confidence 0.6427, 12 passages, 0.31 s")
    assert not same_but_for_rounding(shown, "confidence 0.6327, 13 passages, 0.31 s")


def test_readme_plain_http_example_works(launched_app):
    block = README.read_text(encoding="utf-8").split("```sh\nURL=")[1].split("```")[0]
    script = "URL=" + block.replace("http://127.0.0.1:7860/", launched_app)
    proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    events = proc.stdout.count("event: complete")
    assert events == 2, proc.stdout[:500]
    assert '"question": "When did Kuwait join CICA?"' in proc.stdout
    assert "adopt the Charter" in proc.stdout  # the follow-up, read with its previous question


def test_a_bad_value_over_plain_http_is_its_message(launched_app):
    url = f"{launched_app}gradio_api"
    script = (
        f"EVENT=$(curl -s -X POST '{url}/call/v2/ask' -H 'Content-Type: application/json' "
        """-d '{"question": "   "}' | sed 's/.*"event_id": *"\\([^"]*\\)".*/\\1/')\n"""
        f'curl -s -N "{url}/call/v2/ask/$EVENT"\n'
    )
    proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60)
    assert "event: error" in proc.stdout and '"the question is empty"' in proc.stdout, proc.stdout
