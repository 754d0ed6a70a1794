"""The step-through player in Korean in a real browser (issue 10 item 4): what only the browser shows.

``/toy?lang=ko``: the player's buttons, their tooltips, the status bar's phase names and the
arithmetic panel are in Korean (the catalogue's words, read with :func:`nnviz.i18n.translate`, each
checked to differ from the English), and a click on the Korean "Next phase" button still moves the
player: ``data-phase`` shows the engine's English label, the contract tests and checks read.
"""

from __future__ import annotations

import pytest
from browser_helpers import PLAYER, app_url, open_player, player_button, player_state, press  # noqa: F401
from browser_helpers import player_page as page  # noqa: F401  (the fixture)

from nnviz import i18n

pytestmark = pytest.mark.browser

TIMEOUT_MS = 60_000


def _ko(english: str) -> str:
    text = i18n.translate("ko", english)
    assert text != english, f"{english!r} has no Korean translation"
    return text


def test_the_korean_player_shows_korean_words_and_keeps_english_phase_labels(page, app_url):  # noqa: F811
    open_player(page, app_url, "toy?lang=ko", TIMEOUT_MS)
    nxt = player_button(page, _ko("Next phase"))
    assert nxt.inner_text() == "다음 단계" and nxt.get_attribute("title") == _ko("Compute the next phase (→)")
    assert player_button(page, "Next phase").count() == 0  # no English button left
    for english in ("Back", "Step", "Epoch", "Run", "Play", "Reset", "Share for class"):
        assert player_button(page, _ko(english)).count() == 1, english
    arith = page.locator(f"{PLAYER} [data-panel=arithmetic]")
    assert "업데이트 0회 후의 신경망." in arith.inner_text()  # "Network after 0 updates."
    assert player_state(page) == (0, "")

    press(page, _ko("Next phase"), 1, "forward layer 1", TIMEOUT_MS)  # data-phase: the engine's label
    status = page.locator(f"{PLAYER} .status").inner_text()
    assert status.startswith("스텝 1 (에포크 1) · 샘플 #0")  # "Step 1 (epoch 1) on sample #0"
    assert "[순전파 1층]" in status and "forward layer" not in status  # the phase on screen, in Korean
    assert "1층의 뉴런 0" in arith.locator("h4").inner_text()  # "neuron 0 of layer 1"
    press(page, _ko("Next phase"), 1, "forward layer 2", TIMEOUT_MS)
    assert "[순전파 2층]" in page.locator(f"{PLAYER} .status").inner_text()
    assert not page.nnviz_errors, page.nnviz_errors
