"""What translation costs: compiling the catalogues at start-up, and one string inside a script run.

Printed (one line each, ``name value unit``):

- ``compile_all_ms``: Babel compiling the three catalogues from .po in memory (cold, once per process);
- ``underscore_us``: one ``_()`` in a Streamlit script run (reads the session's language from session
  state on each call) and, on the same line, ``translator().gettext`` with the ratio between them;
- ``page_strings_ms``: an estimate of what translating every msgid of the template once costs a run
  (``underscore_us`` × the number of messages).

    python benchmarks/bench_i18n.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

N_CALLS = 20_000


def _script(n_calls: int) -> None:
    import time

    import streamlit as st

    from nnviz import i18n
    from nnviz.i18n import _

    i18n.setup()
    t0 = time.perf_counter()
    for _i in range(n_calls):
        _("About nnviz")
    t1 = time.perf_counter()
    t = i18n.translator()
    for _i in range(n_calls):
        t.gettext("About nnviz")
    t2 = time.perf_counter()
    st.session_state["bench"] = ((t1 - t0) / n_calls, (t2 - t1) / n_calls)


def main(argv: list[str] | None = None) -> int:
    from babel.messages.pofile import read_po
    from streamlit.testing.v1 import AppTest

    from nnviz import i18n

    i18n.translations.cache_clear()
    t0 = time.perf_counter()
    for code in i18n.LANGUAGES:
        i18n.translations(code)
    print(f"compile_all_ms {(time.perf_counter() - t0) * 1e3:.1f} ms")

    at = AppTest.from_function(_script, args=(N_CALLS,), default_timeout=120)
    at.query_params["lang"] = "ko"
    at.run()
    per_call, per_gettext = at.session_state["bench"]
    print(
        f"underscore_us {per_call * 1e6:.2f} us translator_gettext_us={per_gettext * 1e6:.2f} "
        f"ratio={per_call / per_gettext:.0f}"
    )
    with (i18n.LOCALE_DIR / "messages.pot").open("rb") as f:
        n_messages = sum(1 for m in read_po(f) if m.id)
    print(f"page_strings_ms {per_call * n_messages * 1e3:.2f} ms messages={n_messages}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
