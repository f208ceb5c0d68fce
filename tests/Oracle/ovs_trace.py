#!/usr/bin/env python3
"""VSwarm's driver for the real Open vSwitch 3.1 as a megaflow oracle.

Starts ovsdb-server and ovs-vswitchd (userspace only: --enable-dummy, a bridge br0 with
datapath_type=dummy and dummy ports p1..p4 = OpenFlow ports 1..4) in a private temporary sandbox,
loads a rule file with ovs-ofctl add-flows, runs ofproto/trace for every packet line and prints
one JSON object per packet: {"packet", "megaflow", "actions", "rules": [{"table","priority","match"}]}.
A "# prefixes=LIST" comment in the rule file sets Flow_Table prefixes of table 0.
The daemons are children of this script and are stopped and reaped before it exits.

Usage: ovs_trace.py RULES PACKETS > expected.jsonl
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

RULE_LINE = re.compile(r"^\s*(\d+)\. (.*?)(?:, )?priority (\d+)(?:, cookie 0x[0-9a-f]+)?$")


def run(env, *args, check=True):
    r = subprocess.run(args, env=env, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {r.stderr.strip()}")
    return r.stdout


def wait_for(path, seconds=10.0):
    end = time.time() + seconds
    while not os.path.exists(path):
        if time.time() > end:
            raise RuntimeError(f"{path} did not appear")
        time.sleep(0.01)


def parse_trace(text):
    megaflow = actions = None
    rules = []
    for line in text.splitlines():
        if line.startswith("Megaflow: "):
            megaflow = line[len("Megaflow: "):]
        elif line.startswith("Datapath actions: "):
            actions = line[len("Datapath actions: "):]
        else:
            m = RULE_LINE.match(line)
            if m:
                rules.append({"table": int(m.group(1)), "priority": int(m.group(3)),
                              "match": m.group(2).rstrip(",")})
            elif re.match(r"^\s*\d+\. No match\.", line):
                rules.append({"table": int(line.split(".")[0]), "priority": None, "match": None})
    return megaflow, actions, rules


def main():
    rules_file, packets_file = sys.argv[1], sys.argv[2]
    prefixes = None
    with open(rules_file) as f:
        for line in f:
            m = re.match(r"^#\s*prefixes=(\S+)", line)
            if m:
                prefixes = m.group(1)
    sb = tempfile.mkdtemp(prefix="vswarm-ovs-")
    env = dict(os.environ, OVS_RUNDIR=sb, OVS_LOGDIR=sb, OVS_DBDIR=sb, OVS_SYSCONFDIR=sb,
               OVS_PKGDATADIR="/usr/share/openvswitch")
    procs = []
    try:
        run(env, "ovsdb-tool", "create", f"{sb}/conf.db", "/usr/share/openvswitch/vswitch.ovsschema")
        procs.append(subprocess.Popen(
            ["ovsdb-server", "--no-chdir", f"--pidfile={sb}/ovsdb-server.pid", f"--log-file={sb}/ovsdb-server.log",
             f"--remote=punix:{sb}/db.sock", f"--unixctl={sb}/ovsdb-server.ctl", f"{sb}/conf.db"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_for(f"{sb}/db.sock")
        run(env, "ovs-vsctl", "--no-wait", "init")
        procs.append(subprocess.Popen(
            ["ovs-vswitchd", "--enable-dummy", "--disable-system", "--disable-system-route", "--no-chdir",
             f"--pidfile={sb}/ovs-vswitchd.pid", f"--log-file={sb}/ovs-vswitchd.log",
             f"--unixctl={sb}/vswitchd.ctl", f"unix:{sb}/db.sock"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_for(f"{sb}/vswitchd.ctl")
        vsctl = ["ovs-vsctl", "--", "add-br", "br0", "--", "set", "bridge", "br0", "datapath-type=dummy",
                 "fail-mode=secure"]
        for p in range(1, 5):
            vsctl += ["--", "add-port", "br0", f"p{p}", "--", "set", "Interface", f"p{p}", "type=dummy",
                      f"ofport_request={p}"]
        if prefixes:
            vsctl += ["--", "--id=@t0", "create", "Flow_Table", "name=table0", f"prefixes={prefixes}",
                      "--", "set", "bridge", "br0", "flow_tables:0=@t0"]
        run(env, *vsctl)
        run(env, "ovs-ofctl", "add-flows", "br0", rules_file)
        with open(packets_file) as f:
            for line in f:
                pkt = line.strip()
                if not pkt or pkt.startswith("#"):
                    continue
                text = run(env, "ovs-appctl", "-t", f"{sb}/vswitchd.ctl", "ofproto/trace", "br0", pkt, check=False)
                megaflow, actions, rules = parse_trace(text)
                print(json.dumps({"packet": pkt, "megaflow": megaflow, "actions": actions, "rules": rules}))
    finally:
        for ctl in ("vswitchd.ctl", "ovsdb-server.ctl"):
            subprocess.run(["ovs-appctl", "-t", f"{sb}/{ctl}", "exit"], env=env, capture_output=True)
        for p in reversed(procs):
            try:
                p.wait(timeout=3)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        shutil.rmtree(sb, ignore_errors=True)


if __name__ == "__main__":
    main()
