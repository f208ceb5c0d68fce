#!/usr/bin/env bash
# The one test command: installs what the tests need, builds, runs every test project and ends
# with a single line "N passed, N failed, N skipped" summed over all test assemblies.
# Exit status is non-zero on any failure, on a build error, or when no test ran.
set -uo pipefail
cd "$(dirname "$0")"

# ---- apt packages the tests need, installed only when missing; in CI a missing tool is a failure.
# openvswitch-switch/-common: the real OVS 3.1, the reference for megaflows (tests/Oracle);
# python3 runs its driver (it comes with openvswitch-switch anyway).
APT_PACKAGES=(openvswitch-switch openvswitch-common python3 tshark pmacct etcd-server)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing ${missing[*]}"
  # tshark asks whether non-root users may capture; answer no before it asks (sFlow collector tests).
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
         --no-install-recommends -o DPkg::Lock::Timeout=900 "${missing[@]}"; } >/dev/null; then
    echo "test.sh: could not install ${missing[*]}" >&2
    [ "${CI:-}" = "true" ] && { echo "0 passed, 1 failed"; exit 1; }
  fi
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# CI machines have 2 cores and run other work: scale TestKit timeouts (actors-brief §2).
export VSWARM_TEST_TIMEFACTOR="${VSWARM_TEST_TIMEFACTOR:-3}"

if ! dotnet restore VSwarm.slnx; then
  echo "test.sh: restore failed" >&2; echo "0 passed, 1 failed"; exit 1
fi
if ! dotnet build VSwarm.slnx --no-restore -c Release; then
  echo "test.sh: build failed" >&2; echo "0 passed, 1 failed"; exit 1
fi

res=$(mktemp -d)
trap 'rm -rf "$res"' EXIT
dotnet test VSwarm.slnx --no-build -c Release --logger trx --results-directory "$res" \
  --logger "console;verbosity=minimal" -- RunConfiguration.TestSessionTimeout=900000
rc=$?

cat "$res"/*.trx 2>/dev/null | grep -o '<Counters [^>]*>' | awk -v rc="$rc" '
  { for (i = 2; i <= NF; i++) { split($i, kv, "="); gsub(/[^0-9]/, "", kv[2]); c[kv[1]] = kv[2] + 0 }
    p += c["passed"]; f += c["failed"] + c["error"] + c["timeout"] + c["aborted"]
    s += c["total"] - c["executed"] }
  END { if (rc != 0 && f == 0) f = 1
        printf "%d passed, %d failed, %d skipped\n", p, f, s
        exit (f > 0 || p == 0) ? 1 : 0 }'
