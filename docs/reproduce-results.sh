#!/usr/bin/env bash
# Regenerates every number of the "Fitting and evaluation" and "Frontier-aware selection" sections of docs/results.md:
#   docs/reproduce-results.sh            (data from ../shared/data beside the repository, or $ROUTERGEN_DATA)
# Outputs (tables, JSON reports, SVG plots) go to docs/results/; results.md quotes them. Everything is seeded:
# a rerun on the same data gives the same numbers (timings aside). About 5 minutes on a 2-core machine.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DATA="${ROUTERGEN_DATA:-$ROOT/../shared/data}"
OUT="$ROOT/docs/results"
mkdir -p "$OUT"
dotnet build "$ROOT/src/RouterGen.Cli/RouterGen.Cli.csproj" -c Release --nologo -v quiet
CLI="$ROOT/src/RouterGen.Cli/bin/Release/net10.0/RouterGen.Cli"
ATTRIBUTION="SWE-bench (CC BY-NC 4.0): per-instance resolved/cost from the SWE-bench bash-only leaderboard (swe-bench.github.io, commit f1176b65, mini-SWE-agent); problem statements from SWE-bench Verified (princeton-nlp, OpenAI). Non-commercial use; attribute SWE-bench."

run() { # name, then eval arguments
  local name="$1"; shift
  echo "== $name: routergen eval $*" >&2
  "$CLI" eval "$@" --report "$OUT/$name.json" --plot "$OUT/$name.svg" > "$OUT/$name.md"
}

# 1. llmrouter-9 on its own train/test split (k chosen inside the train split; 5 k-means seeds averaged).
run llmrouter-9 --data "$DATA/llmrouter-9" --split test --seeds 5

# 2. SWE-bench Verified, the Hypernova post's 3-model pool, 10-fold cross-validation x 5 shuffles.
run swebench-3 --data "$DATA/swebench-verified" --pool claude-4.5-opus-medium,gemini-3-pro-preview,claude-4.5-sonnet --folds 10 --seeds 5

# 3. SWE-bench Verified, all 24 models with real per-instance costs, 10-fold cross-validation x 5 shuffles.
run swebench-24 --data "$DATA/swebench-verified" --folds 10 --seeds 5

# 3b. The same at the issue's target protocol, 10-fold cross-validation x 3 shuffles.
run swebench-24-10x3 --data "$DATA/swebench-verified" --folds 10 --seeds 3

# 3c. With all-MiniLM-L6-v2 (ROUTERGEN_MINILM=1; model folder from `routergen model-folder`, embeddings cached).
if [ "${ROUTERGEN_MINILM:-0}" = 1 ]; then
  MODEL="${ROUTERGEN_MINILM_DIR:-$HOME/.cache/routergen/all-MiniLM-L6-v2}"
  [ -d "$MODEL" ] || "$CLI" model-folder --out "$MODEL"
  run swebench-24-minilm --data "$DATA/swebench-verified" --embedder "onnx:$MODEL" --folds 10 --seeds 3
  run swebench-3-minilm --data "$DATA/swebench-verified" --embedder "onnx:$MODEL" --pool claude-4.5-opus-medium,gemini-3-pro-preview,claude-4.5-sonnet --folds 10 --seeds 5
fi

# 4. The committed profile (k = 8, presets and held-out metrics from 10-fold CV x 5 with that k).
# Only with ROUTERGEN_REFIT_PROFILE=1: the shipped profile is refit only when the AIQ winner among runtime policies
# changes (issue 10 did not change it; see docs/results.md).
[ "${ROUTERGEN_REFIT_PROFILE:-0}" = 1 ] && "$CLI" fit --data "$DATA/swebench-verified" --name SweBenchRouter --clusters 8 --cv-folds 10 --cv-seeds 5 \
  --attribution "$ATTRIBUTION" \
  --report "$OUT/swebench-verified-profile.json" --out "$ROOT/profiles/swebench-verified.router.json" > "$OUT/swebench-verified-profile.md"

# 5. The shipped MiniLM profile (profiles/swebench-verified.minilm.router.json, compiled by samples/RouterGen.Sample.MiniLm):
# the same data embedded with all-MiniLM-L6-v2 (model folder from `routergen model-folder`, embeddings cached), k = 8,
# presets from 10-fold CV x 3; `--estimator auto` (the default) ships the learned linear estimator, format version 2.
if [ "${ROUTERGEN_MINILM_PROFILE:-0}" = 1 ]; then
  MODEL="${ROUTERGEN_MINILM_DIR:-$HOME/.cache/routergen/all-MiniLM-L6-v2}"
  [ -d "$MODEL" ] || "$CLI" model-folder --out "$MODEL"
  "$CLI" fit --data "$DATA/swebench-verified" --embedder "onnx:$MODEL" --name SweBenchMiniLmRouter --clusters 8 --cv-folds 10 --cv-seeds 3 \
    --attribution "$ATTRIBUTION" --out "$ROOT/profiles/swebench-verified.minilm.router.json" > "$OUT/swebench-verified-minilm-profile.md"
fi

echo "Wrote $OUT/*.md, *.json, *.svg and profiles/swebench-verified.router.json" >&2
