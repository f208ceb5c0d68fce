#!/usr/bin/env python3
"""Writes VSwarm's own translation differential cases: multi-table rule sets with header-modifying
actions (ovs-ofctl add-flows syntax, loaded with -O OpenFlow13) and packets (ofproto/trace
OpenFlow syntax), from fixed seeds, so the same files come out every time.

Each rule's actions only use fields its own match makes valid (OVS checks action prerequisites
per rule). Constructs VSwarm leaves out on purpose (see tests/Golden/Trace/README.md):
packets with TTL <= 1 (a dec_ttl exception still comes up when two dec_ttl meet TTL 2),
mod_vlan_vid in rules that do not match a VLAN (ovs-ofctl turns it into push_vlan+set_field
for OpenFlow 1.3, which differs from OpenFlow 1.0 on tagged packets), mod_nw_ecn, flood (OVS floods to the LOCAL port too, in hash order), NORMAL
(its MAC learning state depends on packet order).
Usage: gen_trace_cases.py OUTDIR
"""
import os
import random
import sys

PORTS = [1, 2, 3, 4]
V4 = ["10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.15/32", "192.168.0.0/16", "172.16.0.0/12",
      "10.128.0.0/9"]
V4_HOSTS = ["10.1.2.15", "10.1.2.3", "10.1.7.9", "10.200.1.1", "192.168.7.7", "172.16.5.5", "8.8.8.8",
            "10.0.0.9", "1.2.3.4"]
V6 = ["2001:db8::/32", "2001:db8:1::/48", "2001:db8:1:2::15/128", "fd00::/8"]
V6_HOSTS = ["2001:db8:1:2::15", "2001:db8:1:2::3", "2001:db8:9::1", "fd00::7", "1000::1"]
TPS = ["22", "53", "80", "443", "8080", "0x50/0xfff0", "0x400/0xfc00"]
TP_VALUES = [22, 53, 80, 81, 95, 443, 1024, 2000, 8080, 40000]
MACS = ["50:54:00:00:00:01", "50:54:00:00:00:02", "aa:55:aa:55:00:01", "ff:ff:ff:ff:ff:ff"]
VLANS = [10, 20, 30]


def v4_match(rng, proto):
    parts = [proto]
    if rng.random() < 0.4:
        parts.append(f"in_port={rng.choice(PORTS)}")
    if rng.random() < 0.6:
        parts.append(f"nw_dst={rng.choice(V4)}")
    if rng.random() < 0.3:
        parts.append(f"nw_src={rng.choice(V4)}")
    if proto in ("tcp", "udp") and rng.random() < 0.5:
        parts.append(f"tp_dst={rng.choice(TPS)}")
    return parts


def v6_match(rng, proto):
    parts = [proto]
    if rng.random() < 0.4:
        parts.append(f"in_port={rng.choice(PORTS)}")
    if rng.random() < 0.6:
        parts.append(f"ipv6_dst={rng.choice(V6)}")
    if proto in ("tcp6", "udp6") and rng.random() < 0.4:
        parts.append(f"tp_dst={rng.choice(TPS)}")
    return parts


def l4_name(proto):
    return {"tcp": "tcp", "tcp6": "tcp", "udp": "udp", "udp6": "udp"}.get(proto)


def modify(rng, proto, vlan_matched):
    """One header-modifying action valid for a rule matching `proto`."""
    v6 = proto in ("ipv6", "tcp6", "udp6", "icmp6")
    choices = ["eth", "ttl", "reg", "ip"]
    if l4_name(proto):
        choices += ["l4", "l4"]
    choices += ["vlan"] * 2
    kind = rng.choice(choices)
    if kind == "eth":
        return rng.choice([f"mod_dl_src:{rng.choice(MACS[:3])}", f"mod_dl_dst:{rng.choice(MACS[:3])}",
                           "move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[]",
                           "set_field:00:00:00:00:00:00/ff:ff:00:00:00:00->eth_dst"])
    if kind == "ttl":
        return rng.choice(["dec_ttl", "dec_ttl", "set_field:9->nw_ttl"])
    if kind == "reg":
        return rng.choice(["load:0x5->NXM_NX_REG0[]", "load:0x1->NXM_NX_REG0[3]",
                           "move:NXM_NX_IPV6_SRC[0..31]->NXM_NX_REG1[]" if v6 else "move:NXM_OF_IP_SRC[]->NXM_NX_REG1[]"])
    if kind == "ip":
        if v6:
            return rng.choice([f"set_field:{rng.choice(V6_HOSTS)}->ipv6_dst", f"set_field:{rng.choice(V6_HOSTS)}->ipv6_src",
                               "set_field:0x12345->ipv6_label", "mod_nw_tos:32"])
        return rng.choice([f"mod_nw_dst:{rng.choice(V4_HOSTS)}", f"mod_nw_src:{rng.choice(V4_HOSTS)}",
                           f"set_field:{rng.choice(V4_HOSTS)}->ip_dst", "set_field:10.0.0.0/255.0.0.0->ip_dst",
                           "load:0x7->NXM_OF_IP_DST[0..7]", "mod_nw_tos:16", "set_field:8->ip_dscp"])
    if kind == "l4":
        n = l4_name(proto)
        return rng.choice([f"mod_tp_dst:{rng.choice(TP_VALUES)}", f"mod_tp_src:{rng.choice(TP_VALUES)}",
                           f"set_field:{rng.choice(TP_VALUES)}->{n}_dst", f"load:0x5->NXM_OF_{n.upper()}_DST[0..3]",
                           f"move:NXM_OF_{n.upper()}_SRC[]->NXM_OF_{n.upper()}_DST[]"])
    # vlan (OpenFlow 1.3 allows pop_vlan only when the rule's match or an earlier push makes a tag certain)
    if vlan_matched:
        return rng.choice([f"mod_vlan_vid:{rng.choice(VLANS)}", "strip_vlan", "strip_vlan",
                           f"push_vlan:0x8100,set_field:{4096 + rng.choice(VLANS)}->vlan_vid"])
    return rng.choice([f"push_vlan:0x8100,set_field:{4096 + rng.choice(VLANS)}->vlan_vid", "push_vlan:0x8100"])


def output(rng, table, ntables):
    r = rng.random()
    if r < 0.55:
        return f"output:{rng.choice(PORTS)}"
    if r < 0.62:
        return "output:7"  # no such port: OVS drops it
    if r < 0.68:
        return "in_port"
    if table + 1 < ntables:
        t = rng.randint(table + 1, ntables - 1)
        return rng.choice([f"resubmit(,{t})", f"resubmit({rng.choice(PORTS)},{t})"])
    return f"output:{rng.choice(PORTS)}"


def rule(rng, table, ntables, family):
    if family == "v6":
        proto = rng.choice(["ipv6", "tcp6", "udp6", "icmp6"])
        parts = v6_match(rng, proto)
    else:
        proto = rng.choice(["ip", "tcp", "tcp", "udp", "icmp"])
        parts = v4_match(rng, proto)
    vlan_matched = False
    if family == "vlan" and rng.random() < 0.5:
        parts.append(f"dl_vlan={rng.choice(VLANS)}")
        vlan_matched = True
    elif family == "vlan" and rng.random() < 0.3:
        parts.append("vlan_tci=0x0000/0x1000")
    if table > 0 and rng.random() < 0.3:
        parts.append(f"reg0={rng.choice([0, 5, 8])}")
    acts = []
    vlan_ops = 0
    for _ in range(rng.choice([0, 1, 1, 2, 3])):
        a = modify(rng, proto, vlan_matched)
        if "vlan" in a:
            if vlan_ops:
                continue
            vlan_ops += 1
            vlan_matched = not a.startswith("strip_vlan")
        acts.append(a)
        if rng.random() < 0.3:
            acts.append(output(rng, table, ntables))
    if rng.random() < 0.8:
        acts.append(output(rng, table, ntables))
    if table + 1 < ntables and rng.random() < 0.35:
        acts.append(f"goto_table:{rng.randint(table + 1, ntables - 1)}")
    prio = rng.choice([5, 10, 10, 20, 30, 40])
    return f"table={table},priority={prio},{','.join(parts)},actions={','.join(acts) if acts else 'drop'}"


def packet(rng, family):
    in_port = rng.choice(PORTS)
    src, dst = rng.choice(MACS[:3]), rng.choice(MACS)
    head = f"in_port={in_port},dl_src={src},dl_dst={dst}"
    if family == "vlan" and rng.random() < 0.6:
        head += f",dl_vlan={rng.choice(VLANS)},dl_vlan_pcp={rng.choice([0, 0, 3])}"
    ttl = rng.choice([2, 5, 64, 64, 255])
    if family == "v6":
        proto = rng.choice(["tcp6", "udp6", "icmp6"])
        addr = f"ipv6_src={rng.choice(V6_HOSTS)},ipv6_dst={rng.choice(V6_HOSTS)},nw_ttl={ttl}"
        if proto == "tcp6":
            return f"{head},tcp6,{addr},tp_src={rng.choice(TP_VALUES)},tp_dst={rng.choice(TP_VALUES)}"
        if proto == "udp6":
            return f"{head},udp6,{addr},udp_src={rng.choice(TP_VALUES)},udp_dst={rng.choice(TP_VALUES)}"
        return f"{head},icmp6,{addr},icmpv6_type={rng.choice([128, 129])},icmpv6_code=0"
    proto = rng.choice(["tcp", "tcp", "udp", "icmp"])
    addr = f"nw_src={rng.choice(V4_HOSTS)},nw_dst={rng.choice(V4_HOSTS)},nw_ttl={ttl}"
    if proto == "tcp":
        return f"{head},tcp,{addr},tp_src={rng.choice(TP_VALUES)},tp_dst={rng.choice(TP_VALUES)}"
    if proto == "udp":
        return f"{head},udp,{addr},udp_src={rng.choice(TP_VALUES)},udp_dst={rng.choice(TP_VALUES)}"
    return f"{head},icmp,{addr},icmp_type={rng.choice([0, 8])},icmp_code=0"


CASES = [
    # name, seed, family, tables, rules per table, packets
    ("v4-multitable", 11, "v4", 4, 10, 160),
    ("v4-resubmit", 23, "v4", 5, 7, 160),
    ("v6-multitable", 31, "v6", 3, 10, 140),
    ("vlan", 47, "vlan", 3, 10, 160),
    ("mixed", 59, "v4", 3, 14, 160),
]


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, seed, family, ntables, nrules, npackets in CASES:
        rng = random.Random(seed)
        rules = []
        for t in range(ntables):
            for _ in range(nrules):
                rules.append(rule(rng, t, ntables, family))
            # a low-priority catch-all in some tables, so that misses and hits mix
            if rng.random() < 0.5:
                rules.append(f"table={t},priority=1,actions={output(rng, t, ntables)}")
        with open(os.path.join(out, name + ".rules"), "w") as f:
            f.write(f"# generated by tests/Oracle/gen_trace_cases.py (seed {seed}); load with ovs-ofctl -O OpenFlow13\n")
            f.write("\n".join(rules) + "\n")
        with open(os.path.join(out, name + ".packets"), "w") as f:
            for _ in range(npackets):
                fam = family if family != "mixed" else rng.choice(["v4", "v6", "vlan"])
                f.write(packet(rng, fam) + "\n")


if __name__ == "__main__":
    main()
