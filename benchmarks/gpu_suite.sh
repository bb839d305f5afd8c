#!/usr/bin/env bash
# The prepared GPU run (issue 14): one machine with one GPU, end to end in at most 8 minutes.
#
#   FER2013_PATH=/path/to/fer2013 OUT=/where/to/write bash benchmarks/gpu_suite.sh
#
# Everything lands under $OUT (default gpu-suite/): versions.txt, pytest-gpu.txt,
# throughput.txt, gpu-utilisation.csv (sampled every second during the search), search.txt
# (the packed search's output and its best model's PrivateTest accuracy) and summary.txt, one
# screen. Each step has its own time limit, so a slow step cannot take the others' time:
#   ~10 s versions, ≤ 60 s `pytest -m gpu`, ≤ 90 s throughput (arch1/arch2/arch3 at batch 32 and
#   256, project loop against a plain DataLoader loop), ≤ 300 s a packed search of `full` on all
#   of FER2013 (4 trials per GPU: --gpus-per-trial 0.25), then the summary.
# Needs the project installed (its requirements: ray, optuna, ...) and FER2013 in any form
# search.run reads.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-gpu-suite}
mkdir -p "$OUT"
: "${FER2013_PATH:?set FER2013_PATH to FER2013 (image folders or fer2013.csv)}"
export FER2013_PATH PYTHONUNBUFFERED=1
CPUS=$(nproc)
CPUS_PER_TRIAL=$(( CPUS / 4 > 0 ? CPUS / 4 : 1 ))

{ date -u; nvidia-smi; python -c "import torch, ray, optuna; print('torch', torch.__version__, 'cuda',
torch.version.cuda, torch.cuda.get_device_name(), 'capability', torch.cuda.get_device_capability(), '| ray',
ray.__version__, '| optuna', optuna.__version__)"; } > "$OUT/versions.txt" 2>&1

timeout 60 python -m pytest -m gpu -q -p no:cacheprovider tests > "$OUT/pytest-gpu.txt" 2>&1
echo "exit $?" >> "$OUT/pytest-gpu.txt"

timeout 90 python -m benchmarks.throughput --repeats 3 > "$OUT/throughput.txt" 2>&1
echo "exit $?" >> "$OUT/throughput.txt"

nvidia-smi --query-gpu=timestamp,utilization.gpu,memory.used --format=csv,noheader -l 1 \
    > "$OUT/gpu-utilisation.csv" 2>/dev/null &
SAMPLER=$!
timeout 330 python -m search.run --space full --max-epochs 12 --grace-epochs 2 --samples 64 \
    --time-budget-s 240 --gpus-per-trial 0.25 --cpus-per-trial "$CPUS_PER_TRIAL" \
    --output "$OUT/runs" --name packed > "$OUT/search.txt" 2>&1
echo "exit $?" >> "$OUT/search.txt"
kill "$SAMPLER" 2>/dev/null

python - "$OUT" > "$OUT/summary.txt" 2>&1 <<'PY'
"""One screen: what ran, how busy the GPU was, how fast, how accurate."""
import json, statistics, sys
from pathlib import Path

out = Path(sys.argv[1])
print((out / "versions.txt").read_text().splitlines()[-1])
print("pytest -m gpu:", (out / "pytest-gpu.txt").read_text().strip().splitlines()[-2:])
lines = (out / "throughput.txt").read_text().splitlines()
print("throughput:", *[l for l in lines if l.startswith(("arch", "ratio"))], sep="\n  ")
busy = [float(row.split(",")[1].strip().rstrip(" %")) for row in (out / "gpu-utilisation.csv").read_text().splitlines()
        if row.count(",") == 2 and row.split(",")[1].strip().rstrip(" %").isdigit()]
if busy:
    print(f"GPU busy during the search: median {statistics.median(busy):.0f}%, mean {statistics.mean(busy):.0f}% "
          f"over {len(busy)} samples (target ≥ 70%)")
summary = out / "runs" / "packed" / "summary.json"
if summary.exists():
    found = json.loads(summary.read_text())
    best = found.get("best") or {}
    print(f"packed search: {found['trials']} in {found['wall_time_s']:.0f} s; best val {best.get('val_acc')}, "
          f"{best.get('test_split')} {best.get('test_acc')} (target ≥ 0.60)")
else:
    print("packed search: no summary.json —", (out / "search.txt").read_text().splitlines()[-3:])
PY
cat "$OUT/summary.txt"
