#!/usr/bin/env bash
# Mutation testing of the maths modules with mutmut 3 (configuration: [tool.mutmut] in pyproject.toml).
#
#   bash scripts/mutation.sh                      # every module in only_mutate, from scratch
#   bash scripts/mutation.sh engine arithmetic    # some modules (nnviz/<name>.py)
#   MAX_CHILDREN=1 KEEP=1 bash scripts/mutation.sh engine   # one worker; keep mutants/ and its
#                                                           # verdicts, re-test only the undetected
#   KEEP=1 REPORT=1 bash scripts/mutation.sh              # only summarise mutants/ (e.g. after a stop)
#
# mutmut copies the project into mutants/, changes one operator, constant or call at a time and
# runs the tests that cover the changed function (the fast, non-browser subset named in
# pyproject.toml); a mutant is killed when a test fails. Prints one line per module, then
# exactly one line "mutation score: K killed / M mutants (P %)". Not run in CI: see the README
# (testing) for how long it takes.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
[ -x "$PY" ] || PY=python
MUTMUT=("$PY" -m mutmut)
"$PY" -c "import mutmut" 2>/dev/null || { echo "mutmut is not installed: pip install -r requirements-dev.txt" >&2; exit 1; }

if [ "$#" -eq 0 ]; then
    set -- $("$PY" - <<'EOF'
import pathlib, tomllib
cfg = tomllib.loads(pathlib.Path("pyproject.toml").read_text())["tool"]["mutmut"]
print(" ".join(pathlib.Path(p).stem for p in cfg["only_mutate"] if pathlib.Path(p).exists()))
EOF
)
fi
patterns=()
for m in "$@"; do patterns+=("nnviz.$m.*"); done
if [ "${KEEP:-0}" = 1 ] && [ -d mutants ]; then
    # mutmut re-runs every mutant named on its command line, so name only those not killed
    # (survived, no tests, not checked, timeout: a timeout is re-checked): a kill is kept
    # SAMPLE=N: of each module's not-yet-checked mutants test only N picked at random (seeded), listed
    # in mutants/sample.txt; the summary then estimates the module's score from them (see README)
    mapfile -t todo < <("${MUTMUT[@]}" results --all true 2>/dev/null | "$PY" -c '
import collections, fnmatch, random, sys
sample, patterns = int(sys.argv[1]), sys.argv[2:]
unchecked = collections.defaultdict(list)
for line in sys.stdin:
    name, _, status = line.strip().rpartition(": ")
    match = next((p for p in patterns if fnmatch.fnmatch(name, p)), None)
    if match is None or status in ("killed", "segfault"):
        continue
    if sample and status == "not checked":
        unchecked[match].append(name)
    else:
        print(name)
picked = [n for p, names in unchecked.items() for n in random.Random(11).sample(names, min(sample, len(names)))]
if picked:
    with open("mutants/sample.txt", "a") as f:
        f.write("".join(n + "\n" for n in picked))
print("\n".join(picked))
' "${SAMPLE:-0}" "${patterns[@]}" | grep -v '^$')
    patterns=("${todo[@]}")
    [ "${REPORT:-0}" = 1 ] && patterns=()  # REPORT=1: only summarise what mutants/ holds
else
    rm -rf mutants
fi

start=$(date +%s)
# mutmut prints its progress with carriage returns; keep the log, show the summary only
if [ "${#patterns[@]}" -gt 0 ]; then
    "${MUTMUT[@]}" run --max-children "${MAX_CHILDREN:-2}" "${patterns[@]}" > mutants.log 2>&1 || {
        tail -40 mutants.log >&2
        exit 1
    }
fi
seconds=$(( $(date +%s) - start ))

"${MUTMUT[@]}" results --all true 2>/dev/null | "$PY" -c '
import collections, sys
modules = sys.argv[2:]
detected = {"killed", "timeout", "segfault"}
by_module = collections.defaultdict(collections.Counter)
unchecked = collections.Counter()
status_of = {}
survivors = []
for line in sys.stdin:
    name, _, status = line.strip().rpartition(": ")
    module = next((m for m in modules if name.startswith(f"nnviz.{m}.")), None)
    if module is None:
        continue
    if status in ("skipped", "not checked"):
        unchecked[module] += 1
        continue
    status_of[name] = status
    by_module[module][status] += 1
    if status not in detected:
        survivors.append(f"{name}: {status}")
with open("mutants/survivors.txt", "w") as f:
    f.write("\n".join(survivors) + "\n")
import os
sampled = set(open("mutants/sample.txt").read().split()) if os.path.exists("mutants/sample.txt") else set()
K = M = 0
for m in modules:
    c = by_module[m]
    k, n = sum(c[s] for s in detected), sum(c.values())
    K, M = K + k, M + n
    rest = ", ".join(f"{v} {s}" for s, v in sorted(c.items()) if s not in detected)
    if unchecked[m]:
        rest += (", " if rest else "") + f"{unchecked[m]} not checked (not in the score)"
    rest = "; " + rest if rest else ""
    t = c["timeout"]
    by_timeout = f" ({t} of them by timeout)" if t else ""
    print(f"  nnviz/{m}.py: {k} killed{by_timeout} / {n} mutants ({100 * k / max(n, 1):.1f} %){rest}")
    # stratified estimate: the mutants checked before the sample exactly, the unchecked rest from the sample
    S = [x for x in sampled if x.startswith(f"nnviz.{m}.") and x in status_of]
    if S and unchecked[m]:
        ks = sum(status_of[x] in detected for x in S)
        u, total = unchecked[m] + len(S), n + unchecked[m]
        p = ks / len(S)
        est = (k - ks + p * u) / total
        se = u * (p * (1 - p) / len(S) * (1 - len(S) / u)) ** 0.5 / total
        print(f"    estimate for all {total} mutants: {100 * est:.1f} % ± {200 * se:.1f} (95 %), the {u} not "
              f"checked before judged by a random {len(S)} of them ({ks} detected)")
print(f"  {sys.argv[1]} s; surviving mutants listed in mutants/survivors.txt (mutmut show <name> shows one)")
print(f"mutation score: {K} killed / {M} mutants ({100 * K / max(M, 1):.1f} %)")
' "$seconds" "$@"
