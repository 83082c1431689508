#!/usr/bin/env bash
# Distillation end to end on a CPU in about two minutes: math.arithmetic problems -> ref teacher traces with
# rejection sampling -> SFT of a tiny local student -> GRPO -> test pass@1 before / after, on a test split held
# out by operand multiset: no test sum is a reordered training sum (demo.json: test_pass@1, overlap_with_train).
# Usage: bash examples/distill_tiny.sh [OUT_DIR] [CURRICULUM]   (curricula: none static gated sec dump balanced)
set -euo pipefail
OUT="${1:-runs/distill_tiny}"
CURRICULUM="${2:-none}"
python -m hardgen.stages.tiny_demo "$OUT" --curriculum "$CURRICULUM"
echo "reports: $OUT/demo.json, $OUT/eval_compare/eval.png (after vs before), $OUT/eval_{before,sft,grpo}/"
