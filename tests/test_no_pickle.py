"""No code from outside: no pickle and no remote code anywhere in the
package or app.py."""

from __future__ import annotations

from tests.conftest import ROOT


def test_no_pickle_and_no_remote_code_anywhere_in_the_package():
    sources = {str(path.relative_to(ROOT)): path.read_text(encoding="utf-8") for path in (ROOT / "qa").rglob("*.py")}
    sources["app.py"] = (ROOT / "app.py").read_text(encoding="utf-8")
    for name, source in sources.items():
        assert "import pickle" not in source and "pickle.load" not in source, name
        assert "trust_remote_code=True" not in source, name
        assert "allow_pickle=True" not in source, name
        assert source.count("np.load(") == source.count("np.load(io.BytesIO(") or "allow_pickle=False" in source, name
