#!/usr/bin/env python3
"""Writes VSwarm's own classifier differential cases: rule sets (ovs-ofctl add-flows syntax) and
packets (ofproto/trace OpenFlow syntax), from a fixed seed, so the same files come out every time.

Values are drawn from small alphabets so that rules collide, share masks and tie on priority,
which is what exercises subtable order, staged lookup, the prefix tries and the ports tries.
Usage: gen_classifier_cases.py OUTDIR
"""
import os
import random
import sys

PORTS = [1, 2, 3]
V4_NETS = ["10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.15/32", "10.1.3.0/24",
           "192.168.0.0/16", "192.168.7.0/24", "172.16.0.0/12", "8.8.8.8/32", "10.128.0.0/9"]
V6_NETS = ["2001:db8::/32", "2001:db8:1::/48", "2001:db8:1:2::/64", "2001:db8:1:2::15/128",
           "fd00::/8", "fd00:1::/32", "1000::1/128"]
PORT_MATCHES = ["22", "53", "80", "443", "8080", "0x50/0xfff0", "0x1f90/0xfff8", "0x400/0xfc00",
                "0x0/0xff00", "1024/0xfc00"]
MACS = ["50:54:00:00:00:05", "50:54:00:00:00:07", "aa:55:aa:55:00:01", "ff:ff:ff:ff:ff:ff"]
MAC_MASKED = ["01:00:00:00:00:00/01:00:00:00:00:00", "50:54:00:00:00:00/ff:ff:ff:00:00:00"]
TCP_FLAGS = ["+syn", "+syn-ack", "+ack", "-psh", "+fin"]


def action(rng):
    return rng.choice(["output:1", "output:2", "output:3", "output:4", "drop"])


def v4_rule(rng):
    proto = rng.choice(["ip", "tcp", "tcp", "udp", "icmp"])
    parts = [proto]
    if rng.random() < 0.7:
        parts.append(f"in_port={rng.choice(PORTS)}")
    if rng.random() < 0.6:
        parts.append(f"nw_dst={rng.choice(V4_NETS)}")
    if rng.random() < 0.4:
        parts.append(f"nw_src={rng.choice(V4_NETS)}")
    if proto in ("tcp", "udp"):
        if rng.random() < 0.6:
            parts.append(f"tp_dst={rng.choice(PORT_MATCHES)}")
        if rng.random() < 0.2:
            parts.append(f"tp_src={rng.choice(PORT_MATCHES)}")
        if proto == "tcp" and rng.random() < 0.15:
            parts.append(f"tcp_flags={rng.choice(TCP_FLAGS)}")
    if proto == "icmp" and rng.random() < 0.6:
        parts.append(f"icmp_type={rng.choice([0, 3, 8])}")
        if rng.random() < 0.5:
            parts.append(f"icmp_code={rng.choice([0, 1])}")
    if rng.random() < 0.1:
        parts.append(f"nw_ttl={rng.choice([1, 64, 255])}")
    return parts


def v6_rule(rng):
    proto = rng.choice(["ipv6", "tcp6", "udp6", "icmp6"])
    parts = [proto]
    if rng.random() < 0.6:
        parts.append(f"in_port={rng.choice(PORTS)}")
    if rng.random() < 0.7:
        parts.append(f"ipv6_dst={rng.choice(V6_NETS)}")
    if rng.random() < 0.3:
        parts.append(f"ipv6_src={rng.choice(V6_NETS)}")
    if proto in ("tcp6", "udp6") and rng.random() < 0.6:
        parts.append(f"tp_dst={rng.choice(PORT_MATCHES)}")
    if proto == "icmp6" and rng.random() < 0.5:
        parts.append(f"icmp_type={rng.choice([128, 129, 135])}")
    return parts


def l2_rule(rng):
    parts = []
    if rng.random() < 0.6:
        parts.append(f"in_port={rng.choice(PORTS)}")
    r = rng.random()
    if r < 0.4:
        parts.append(f"dl_dst={rng.choice(MACS)}")
    elif r < 0.6:
        parts.append(f"dl_dst={rng.choice(MAC_MASKED)}")
    if rng.random() < 0.3:
        parts.append(f"dl_src={rng.choice(MACS + MAC_MASKED)}")
    if rng.random() < 0.3:
        parts.append(f"dl_vlan={rng.choice([10, 20, 0xffff])}")
    if rng.random() < 0.2 or not parts:
        parts.append(rng.choice(["arp", "ip", "ipv6"]))
        if not any(p.startswith("dl_dst=") for p in parts):
            parts.append(f"dl_dst={rng.choice(MACS + MAC_MASKED)}")
    return parts


def ruleset(rng, n, kinds, priorities):
    lines = []
    for _ in range(n):
        kind = rng.choice(kinds)
        parts = kind(rng)
        pri = rng.choice(priorities)
        lines.append(f"priority={pri}," + ",".join(parts) + f",actions={action(rng)}")
    lines.append("priority=0,actions=drop")
    return lines


def rand_v4(rng):
    net = rng.choice(V4_NETS)
    base, plen = net.split("/")
    b = [int(x) for x in base.split(".")]
    val = (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]
    keep = int(plen) if rng.random() < 0.8 else rng.randint(0, 32)
    rnd = rng.getrandbits(32)
    mask = ((1 << 32) - 1) ^ ((1 << (32 - keep)) - 1) if keep else 0
    v = (val & mask) | (rnd & ~mask & 0xffffffff)
    return ".".join(str((v >> s) & 255) for s in (24, 16, 8, 0))


def rand_v6(rng):
    import ipaddress
    net = ipaddress.ip_network(rng.choice(V6_NETS), strict=False)
    keep = net.prefixlen if rng.random() < 0.8 else rng.randint(0, 128)
    mask = ((1 << 128) - 1) ^ ((1 << (128 - keep)) - 1) if keep else 0
    v = (int(net.network_address) & mask) | (rng.getrandbits(128) & ~mask & ((1 << 128) - 1))
    return str(ipaddress.IPv6Address(v))


def rand_port(rng):
    return rng.choice([22, 53, 79, 80, 81, 95, 96, 443, 1024, 2047, 2048, 8080, 8087, 8088, 40000,
                       rng.randint(0, 65535)])


def packet(rng, mix):
    """mix = (share of IPv4, share of IPv4+IPv6); the rest is ARP."""
    r = rng.random()
    kind = 0.0 if r < mix[0] else (0.6 if r < mix[1] else 0.9)
    in_port = rng.choice(PORTS)
    src, dst = rng.choice(MACS), rng.choice(MACS)
    head = f"in_port={in_port},dl_src={src},dl_dst={dst}"
    if rng.random() < 0.15:
        head += f",dl_vlan={rng.choice([10, 20, 30])}"
    if kind < 0.55:
        proto = rng.choice(["tcp", "tcp", "udp", "icmp"])
        p = f"{head},{proto},nw_src={rand_v4(rng)},nw_dst={rand_v4(rng)},nw_ttl={rng.choice([1, 64, 255])}"
        if proto == "tcp":
            flags = rng.choice([0x002, 0x012, 0x010, 0x018, 0x001])
            p += f",tp_src={rand_port(rng)},tp_dst={rand_port(rng)},tcp_flags=0x{flags:03x}"
        elif proto == "udp":
            p += f",udp_src={rand_port(rng)},udp_dst={rand_port(rng)}"
        else:
            p += f",icmp_type={rng.choice([0, 3, 8, 11])},icmp_code={rng.choice([0, 1])}"
        return p
    if kind < 0.85:
        proto = rng.choice(["tcp6", "udp6", "icmp6"])
        p = f"{head},{proto},ipv6_src={rand_v6(rng)},ipv6_dst={rand_v6(rng)},nw_ttl={rng.choice([64, 255])}"
        if proto == "tcp6":
            p += f",tp_src={rand_port(rng)},tp_dst={rand_port(rng)}"
        elif proto == "udp6":
            p += f",udp_src={rand_port(rng)},udp_dst={rand_port(rng)}"
        else:
            p += f",icmpv6_type={rng.choice([128, 129, 136])},icmpv6_code=0"
        return p
    return f"{head},arp,arp_spa={rand_v4(rng)},arp_tpa={rand_v4(rng)},arp_op={rng.choice([1, 2])}"


CASES = [
    # name, seed, rules, kinds, priorities, packets, packet mix, prefixes
    ("v4acl", 11, 60, [v4_rule], [10, 20, 20, 30, 40, 100], 160, (0.9, 0.95), None),
    ("v4acl-noprefix", 11, 60, [v4_rule], [10, 20, 20, 30, 40, 100], 160, (0.9, 0.95), "none"),
    ("v6acl", 23, 40, [v6_rule], [10, 20, 30], 120, (0.05, 0.95), "ipv6_dst,ipv6_src"),
    ("v6acl-default", 23, 40, [v6_rule], [10, 20, 30], 120, (0.05, 0.95), None),
    ("l2", 37, 40, [l2_rule], [5, 10, 15, 20], 120, (0.4, 0.7), None),
    ("mixed", 41, 80, [v4_rule, v6_rule, l2_rule], [1, 2, 3, 50, 60], 200, (0.5, 0.85), None),
]


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, seed, n, kinds, pris, npk, mix, prefixes in CASES:
        rng = random.Random(seed)
        rules = ruleset(rng, n, kinds, pris)
        prng = random.Random(seed * 1000 + 7)
        packets = [packet(prng, mix) for _ in range(npk)]
        with open(os.path.join(out, f"{name}.rules"), "w") as f:
            f.write(f"# generated by tests/Oracle/gen_classifier_cases.py (seed {seed})\n")
            if prefixes:
                f.write(f"# prefixes={prefixes}\n")
            f.write("\n".join(rules) + "\n")
        with open(os.path.join(out, f"{name}.packets"), "w") as f:
            f.write("\n".join(packets) + "\n")


if __name__ == "__main__":
    main()
