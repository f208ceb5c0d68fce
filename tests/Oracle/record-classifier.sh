#!/usr/bin/env bash
# Re-records the classifier differential goldens from the real Open vSwitch 3.1:
#   tests/Oracle/record-classifier.sh
# regenerates tests/Golden/Classifier/*.rules and *.packets (fixed seeds) and writes OVS's
# ofproto/trace answers to *.expected (one JSON object per packet). Needs openvswitch-switch.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../Golden/Classifier"
mkdir -p "$out"
python3 "$here/gen_classifier_cases.py" "$out"
for rules in "$out"/*.rules; do
  base=${rules%.rules}
  python3 "$here/ovs_trace.py" "$rules" "$base.packets" > "$base.expected"
  echo "recorded $(wc -l < "$base.expected") packets for $(basename "$base")"
done
