"""One place asks which language it is: the word catalogue (``forecast.labels``). Everywhere else a text, a
column or a record's field in the chosen language comes from the catalogue (``t``, ``code``, ``pick``)."""

from __future__ import annotations

import ast
from pathlib import Path

from forecast import labels

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "forecast" / "labels.py"


def _comparisons_with_a_language(path: Path, root: Path = ROOT) -> list[str]:
    """``lang == "th"``, ``"en" != lang`` and the like in a file, as ``file:line``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Compare) and any(isinstance(op, ast.Eq | ast.NotEq) for op in node.ops):
            operands = [node.left, *node.comparators]
            if any(isinstance(o, ast.Constant) and o.value in labels.LANGS for o in operands):
                found.append(f"{path.relative_to(root)}:{node.lineno}")
    return found


def test_no_language_branch_outside_the_catalogue():
    files = [
        *ROOT.glob("forecast/**/*.py"),
        *ROOT.glob("ui/*.py"),
        *ROOT.glob("app_pages/*.py"),
        ROOT / "app.py",
        *ROOT.glob("bench/*.py"),
    ]
    branches = [hit for path in sorted(files) if path != CATALOGUE for hit in _comparisons_with_a_language(path)]
    assert not branches, "a language chosen outside forecast/labels.py (use labels.t, code or pick):\n" + "\n".join(
        branches
    )


def test_the_check_sees_a_language_branch(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('def f(lang):\n    return 1 if lang == "th" else 2\n\n\nx = "en" != lang\n', encoding="utf-8")
    assert sorted(_comparisons_with_a_language(sample, tmp_path)) == ["sample.py:2", "sample.py:5"]


def test_pick_and_pair_choose_by_language():
    assert labels.pick("th", th="name_th", en="name_en") == "name_th"
    assert labels.pick("en", th="name_th", en="name_en") == "name_en"
    assert labels.pair("th", th="a", en="b") == ("a", "b") and labels.pair("en", th="a", en="b") == ("b", "a")
