#!/usr/bin/env bash
# Rebuilds profiles/example.router.json's centroids from real prompts:
#   docs/reproduce-example-profile.sh      (data from ../shared/data beside the repository, or $ROUTERGEN_DATA)
# Each cluster's centroid is the normalised mean built-in embedding (dimension 512) of 150 train-split prompts of each of
# its two LLMRouter tasks, the first by id; the models and their statistics stay hand-written (illustrative, chosen so
# that the three presets choose different models). Deterministic: a rerun writes the same file. Under a minute.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DATA="${ROUTERGEN_DATA:-$ROOT/../shared/data}/llmrouter-9"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
dotnet build "$ROOT/src/RouterGen.Cli/RouterGen.Cli.csproj" -c Release --nologo -v quiet
CLI="$ROOT/src/RouterGen.Cli/bin/Release/net10.0/RouterGen.Cli"

python3 - "$DATA/routing.jsonl" "$WORK" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
tasks = {"code": ["mbpp", "human_eval"], "math": ["gsm8k", "math"], "questions": ["natural_qa", "trivia_qa"]}
with open(sys.argv[2] + "/prompts.jsonl", "w", encoding="utf-8") as out:
    for cluster, groups in tasks.items():
        for group in groups:
            chosen = sorted((r for r in rows if r["group"] == group and r.get("split") == "train"), key=lambda r: r["id"])[:150]
            for r in chosen:
                out.write(json.dumps({"id": cluster + "|" + r["id"], "prompt": r["prompt"], "scores": {"none": 1}}) + "\n")
json.dump([{"id": "none"}], open(sys.argv[2] + "/models.json", "w"))
PY

"$CLI" embed --data "$WORK/prompts.jsonl" --embedder builtin:512 --out "$WORK/embeddings.jsonl"

python3 - "$WORK/embeddings.jsonl" "$ROOT/profiles/example.router.json" <<'PY'
import json, math, sys
def unit(v):
    n = math.sqrt(sum(x * x for x in v))
    return [x / n for x in v]
sums, counts = {}, {}
for line in open(sys.argv[1], encoding="utf-8"):
    e = json.loads(line)
    cluster = e["id"].split("|")[0]
    v = unit(e["embedding"])
    sums[cluster] = [a + b for a, b in zip(sums.get(cluster, [0.0] * len(v)), v)]
    counts[cluster] = counts.get(cluster, 0) + 1
profile = json.load(open(sys.argv[2], encoding="utf-8"))
for c in profile["clusters"]:
    c["centroid"] = [round(x, 7) for x in unit(sums[c["id"]])]
    c["sampleCount"] = counts[c["id"]]
tmp = sys.argv[2] + ".tmp"
with open(tmp, "w", encoding="utf-8") as out:
    json.dump(profile, out, indent=2)
    out.write("\n")
import os
os.replace(tmp, sys.argv[2])
PY
echo "wrote $ROOT/profiles/example.router.json" >&2
