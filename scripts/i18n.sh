#!/usr/bin/env bash
# The translation catalogues (Babel; docs/notes/i18n.md):
#   bash scripts/i18n.sh          extract the strings → nnviz/locale/messages.pot, merge them into
#                                 ko, zh_Hans, zh_Hant (new ones empty, changed ones fuzzy), then check
#   bash scripts/i18n.sh check    only check that every catalogue compiles (Babel's format checks) and
#                                 print how much is translated; nothing is written (the app compiles
#                                 the .po in memory at start-up, so no .mo is kept)
# Then translate the new and fuzzy entries (delete the "fuzzy" line) and run tests/test_i18n.py.
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL=${PYBABEL:-.venv/bin/pybabel}
[ -x "$PYBABEL" ] || PYBABEL=pybabel
LOCALES="ko zh_Hans zh_Hant"

if [ "${1:-}" != check ]; then
  # File names without line numbers: the template changes when strings change, not when code moves;
  # when only its creation date would change, the old file is kept (no churn between branches).
  pot=nnviz/locale/messages.pot
  new=$(mktemp)
  "$PYBABEL" extract -F babel.cfg --add-location=file --sort-by-file --no-wrap \
    --project=nnviz --copyright-holder="nnviz contributors" \
    --header-comment=$'# Translations template for nnviz.\n# Copyright (C) 2026 nnviz contributors\n# This file is distributed under the same license as the nnviz project.\n#' \
    -o "$new" .
  if [ -f "$pot" ] && diff -q <(grep -v '^"POT-Creation-Date' "$pot") <(grep -v '^"POT-Creation-Date' "$new") >/dev/null; then
    rm -f "$new"
  else
    mv "$new" "$pot"
  fi
  for l in $LOCALES; do
    "$PYBABEL" update -i "$pot" -d nnviz/locale -l "$l" \
      --init-missing --no-wrap --ignore-obsolete --ignore-pot-creation-date
  done
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for l in $LOCALES; do
  mkdir -p "$tmp/$l/LC_MESSAGES"
  cp "nnviz/locale/$l/LC_MESSAGES/messages.po" "$tmp/$l/LC_MESSAGES/"
  "$PYBABEL" compile --statistics -d "$tmp" -l "$l"
done
