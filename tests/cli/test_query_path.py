"""`python -m qa ask` as a process: the query path stays light (no torch,
no build) and reports nothing home."""

import json
import os
import subprocess
import sys

from tests.conftest import ROOT


def test_the_query_path_never_imports_torch_or_the_build(real_config):
    """`python -m qa ask` answers through onnxruntime: torch, transformers and
    sentence-transformers stay unimported, and so do the build, calibration
    and the exporter."""
    script = (
        "import json, sys\n"
        "from qa.cli import main\n"
        f"code = main(['ask', 'When did Kuwait join?', '--json', '--corpus', {str(real_config.corpus_dir)!r},"
        f" '--index', {str(real_config.index_dir)!r}])\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'transformers', 'sentence_transformers'})\n"
        "build = {'qa.build.builder', 'qa.build.calibration', 'qa.index.onnx_export'}\n"
        "heavy += sorted({m for m in sys.modules} & build)\n"
        "print(json.dumps(heavy))\n"
        "sys.exit(code)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    answer, heavy = proc.stdout.splitlines()
    assert "Kuwait joining in 2022" in answer
    assert json.loads(heavy) == []
    assert proc.stderr == ""  # no note: the index and its encoder were fresh


def test_asking_reports_nothing_home(real_config, tmp_path):
    """onnxruntime's telemetry writes a device id and an event cache under
    ~/.cache and uploads events unless told not to before it starts: the CLI
    tells it (and so do the app, the tests and the benchmarks)."""
    home = tmp_path / "home"
    home.mkdir()
    environment = {k: v for k, v in os.environ.items() if k != "ORT_DISABLE_TELEMETRY"}
    environment.update(HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"))
    command = [sys.executable, "-m", "qa", "ask", "When did Kuwait join?", "--json"]
    command += ["--corpus", str(real_config.corpus_dir), "--index", str(real_config.index_dir)]
    proc = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120, env=environment)
    assert proc.returncode == 0, proc.stderr
    assert [p.relative_to(home) for p in home.rglob("*") if p.is_file()] == []
    assert "telemetry" not in proc.stderr
