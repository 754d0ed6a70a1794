"""Import directions: nothing outside the UI loads streamlit or plotly.

The modules are found by walking the ``nnviz`` package, so a new module is covered the day
it is added; only the UI modules below are exempt.
"""

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import nnviz

ROOT = Path(__file__).resolve().parents[1]
#: Streamlit pages, Plotly figures, the session-state module and the player's element: the only places
#: allowed to load the UI libraries.
UI_MODULES = (
    "nnviz.pages",
    "nnviz.ui",
    "nnviz.figures",
    "nnviz.mnist_figures",
    "nnviz.state",
    "nnviz.player.component",
)


def _is_ui(name: str) -> bool:
    return any(name == ui or name.startswith(ui + ".") for ui in UI_MODULES)


def _all_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages(nnviz.__path__, "nnviz.") if not _is_ui(m.name))


LOGIC_MODULES = _all_modules()


def test_the_walk_finds_the_logic_modules():
    # the modules the issue named, and the package itself, must be among those checked
    for name in ("engine", "examples", "mnist", "mnist_train", "stepper", "arithmetic", "userdata", "seed_reference"):
        assert f"nnviz.{name}" in LOGIC_MODULES
    assert not any(_is_ui(m) for m in LOGIC_MODULES)
    assert _is_ui("nnviz.pages.mnist") and not _is_ui("nnviz.mnist")


def _ui_libraries_loaded(module: str) -> subprocess.CompletedProcess:
    code = (
        f"import sys, importlib; importlib.import_module({module!r}); "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('streamlit', 'plotly')); "
        "assert not bad, bad[:5]"
    )
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)


@pytest.mark.parametrize("module", ["nnviz", *LOGIC_MODULES])
def test_module_loads_neither_streamlit_nor_plotly(module):
    res = _ui_libraries_loaded(module)
    assert res.returncode == 0, res.stderr[-2000:]


def test_the_check_itself_catches_a_ui_import():
    # the session-state module loads streamlit: the same subprocess check fails on it (it is not vacuous)
    res = _ui_libraries_loaded("nnviz.state")
    assert res.returncode != 0 and "AssertionError: [" in res.stderr, res.stderr[-2000:]
