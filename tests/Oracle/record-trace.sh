#!/usr/bin/env bash
# Re-records the translation differential goldens from the real Open vSwitch 3.1:
#   tests/Oracle/record-trace.sh
# regenerates tests/Golden/Trace/*.rules and *.packets (fixed seeds, gen_trace_cases.py) and writes
# OVS's ofproto/trace answers to *.expected (one JSON object per packet: packet, megaflow, actions,
# rules) and the full trace texts to *.trace. It drives OVS with the lead's ovs_trace.py, loading
# the rules with `ovs-ofctl -O OpenFlow13` (push_vlan needs OpenFlow 1.1+). Needs openvswitch-switch.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../Golden/Trace"
mkdir -p "$out"
rm -f "$out"/*.rules "$out"/*.packets "$out"/*.expected "$out"/*.trace
python3 "$here/gen_trace_cases.py" "$out"
for rules in "$out"/*.rules; do
  base=${rules%.rules}
  PYTHONPATH="$here" python3 - "$rules" "$base.packets" "$base.trace" > "$base.expected" <<'PY'
import sys
import ovs_trace

texts = []
run0, parse0 = ovs_trace.run, ovs_trace.parse_trace


def run(env, *args, check=True):
    if args and args[0] == "ovs-ofctl":
        args = (args[0], "-O", "OpenFlow13") + args[1:]
    return run0(env, *args, check=check)


def parse_trace(text):
    texts.append(text)
    return parse0(text)


ovs_trace.run, ovs_trace.parse_trace = run, parse_trace
trace_file = sys.argv.pop()
ovs_trace.main()
with open(trace_file, "w") as f:
    f.write("\n".join(t.rstrip("\n") + "\n" for t in texts))
PY
  echo "recorded $(wc -l < "$base.expected") packets for $(basename "$base")"
done
