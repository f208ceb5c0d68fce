using System.Collections.Immutable;
using VSwarm.Actors.Tables;
using VSwarm.Messages.Cookies;
using VSwarm.Messages.Datapath;
using VSwarm.Messages.Flow;
using VSwarm.Messages.OpenFlow;
using Dp = VSwarm.Messages.Datapath;
using Of = VSwarm.Messages.OpenFlow;

namespace VSwarm.Actors.Xlate;

/// <summary>
/// Translation of a flow through a bridge's OpenFlow tables into datapath actions and a megaflow
/// mask (OVS's xlate_actions, ofproto-dpif-xlate.c), as a plain class. Thread-safe for any number
/// of concurrent callers: a translation only reads the versioned tables and keeps its state in a
/// per-call context; the MAC learning table it writes to (NORMAL) is itself thread-safe.
/// </summary>
/// <remarks>
/// <para>The mask starts from <see cref="MegaflowWildcards.Initial"/>, gains the bits every table
/// lookup examined, the bits each action read or wrote, and ends with
/// <see cref="MegaflowWildcards.Finish"/> and an exact in_port (ovs-brief §4.1).</para>
/// <para>Header rewrites are applied to the flow being translated and committed as datapath
/// <c>set</c> actions just before each output: only attributes whose fields changed are written,
/// with the mask of the changed fields taken from the megaflow mask (a masked set unless every
/// field of the attribute is exact), in OVS's order: Ethernet, IPv4/IPv6, L4 ports, ICMP, VLAN
/// (pop the base flow's differing tags, push the flow's).</para>
/// <para>sFlow bridge sampling (when configured) puts a <c>sample(userspace(sFlow(…)))</c> before
/// every other action; its cookie's <c>output</c> field follows sFlow v5 (one output: that port's
/// ifIndex, or 0x80000001 when it has none; n outputs: 0x80000000|n; none: 0x40000100) and its
/// <see cref="SflowCookie.RuleCookie"/> (VSwarm's extension) carries the cookie of the last
/// OpenFlow rule the translation hit, so that a collector can tell which rule forwarded the
/// sampled packet (the last rule is the one whose actions decided the packet's fate; 0 when no
/// rule matched).</para>
/// <para>Per-flow sFlow (VSwarm extension, <see cref="XlateBridge.SflowFlows"/>): when the last
/// rule's cookie is selected, a second <c>sample(userspace(sFlow(…)))</c> at the selector's own
/// rate follows the bridge's, its cookie flagged <see cref="SflowCookieFlags.PerFlow"/>.
/// With sFlow on, an OpenFlow <c>sample(probability=P,…)</c> action feeds the executing rule's
/// per-flow sampler too (flags PerFlow|OfSample, rate 65535/P in the cookie), at its place in the
/// action list.</para>
/// </remarks>
public sealed class Xlate : IFlowTranslator
{
    /// <summary>OVS's limit on resubmit/goto_table nesting.</summary>
    public const int MaxDepth = 64;

    /// <summary>OVS's limit on resubmits (and goto_tables) in one translation (MAX_DEPTH²).</summary>
    public const int MaxResubmits = 4096;

    /// <summary>sFlow output code for "no output" (format 1, reason 256 unknown).</summary>
    public const uint SflowOutputDropped = 0x40000100;

    /// <summary>sFlow output code flag for "n outputs" (format 2).</summary>
    public const uint SflowOutputMultiple = 0x80000000;

    private readonly OpenFlowTables _tables;

    /// <summary>Creates a translator over a bridge's tables.</summary>
    public Xlate(OpenFlowTables tables, XlateBridge bridge)
    {
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentNullException.ThrowIfNull(bridge);
        _tables = tables;
        Bridge = bridge;
    }

    /// <summary>The bridge context.</summary>
    public XlateBridge Bridge { get; }

    /// <summary>The tables translated through.</summary>
    public OpenFlowTables Tables => _tables;

    /// <inheritdoc/>
    public XlateResult Translate(in FlowKey flow, ulong version) => Translate(flow, version, null);

    /// <summary>Translates, recording every step into <paramref name="trace"/> when it is not null.</summary>
    public XlateResult Translate(in FlowKey flow, ulong version, XlateTrace? trace)
    {
        var ctx = new Context(this, flow, version, trace);
        return ctx.Run();
    }

    /// <summary>The sFlow output code of a translation (ovs-brief §9 item 21).</summary>
    public static uint SflowOutputCode(int outputs, uint? singleIfIndex) => outputs switch
    {
        0 => SflowOutputDropped,
        1 => singleIfIndex is { } ifx and not 0 ? ifx : SflowOutputMultiple | 1,
        _ => SflowOutputMultiple | (uint)outputs,
    };

    /// <summary>The datapath probability of an OpenFlow sample action: (P &lt;&lt; 16) | P (ovs-brief §9 item 19).</summary>
    public static uint FlowSampleProbability(ushort probability) => ((uint)probability << 16) | probability;

    /// <summary>The 1-in-N rate of an OpenFlow sample action: 65535 / probability, rounded (≥ 1).</summary>
    /// <param name="probability">P out of 65535 (1..65535).</param>
    /// <returns>N.</returns>
    public static uint OfSampleRate(ushort probability) =>
        probability == 0 ? 0 : (uint)Math.Max(1, Math.Round(65535.0 / probability, MidpointRounding.AwayFromZero));

    /// <summary>Wraps actions in a datapath sample unless the probability is "always" (0xFFFFFFFF).</summary>
    public static ImmutableArray<DpAction> WrapSample(uint probability, params DpAction[] inner) =>
        probability == uint.MaxValue ? [.. inner] : [new Dp.SampleAction(probability, new DpActions(inner))];

    private struct Vlan
    {
        public ushort Tpid;
        public ushort Tci;
    }

    /// <summary>The state of one translation.</summary>
    private sealed class Context
    {
        private readonly Xlate _x;
        private readonly XlateBridge _br;
        private readonly ulong _version;
        private readonly XlateTrace? _trace;
        private readonly FlowKey _packet;
        private readonly List<DpAction> _actions = [];
        private readonly ImmutableArray<FlowEntry>.Builder _rules = ImmutableArray.CreateBuilder<FlowEntry>();
        private readonly Vlan[] _flowVlans = new Vlan[2];
        private readonly Vlan[] _baseVlans = new Vlan[2];
        private FlowKey _flow;
        private FlowKey _base;
        private FlowMask _wc;
        private int _depth;
        private int _traceDepth;
        private int _resubmits;
        private int _outputs;
        private uint _lastOutput;
        private bool _exit;
        private XlateError _error;
        private ulong _lastCookie;
        private ulong _ruleCookie;
        private List<(int Index, int Count, ushort Probability, ulong RuleCookie)>? _ofSflowSamples;
        private byte _table;
        private bool _labelWritten;

        public Context(Xlate x, in FlowKey flow, ulong version, XlateTrace? trace)
        {
            _x = x;
            _br = x.Bridge;
            _version = version;
            _trace = trace;
            _packet = flow;
            _flow = flow;
            _base = flow;
            if ((flow.VlanTci & FlowKey.VlanCfi) != 0)
            {
                _flowVlans[0] = new Vlan { Tpid = KeyAttrs.EthTypeVlan, Tci = flow.VlanTci };
            }

            _baseVlans[0] = _flowVlans[0];
        }

        public XlateResult Run()
        {
            _wc = MegaflowWildcards.Initial(_packet);
            LookupAndExecute(0, _flow.InPort, countResubmit: false);

            DpActions actions;
            if (_error != XlateError.None)
            {
                actions = DpActions.Empty;
            }
            else
            {
                uint? ifx = _outputs == 1 && _br.Ports.TryGetValue(_lastOutput, out var p) ? p.IfIndex : null;
                FixOfSflowSamples(SflowOutputCode(_outputs, ifx));
                var inserted = 0;
                if (_br.Sflow is { } sflow)
                {
                    var cookie = new SflowCookie(_packet.InPort, _br.Ofproto, _base.VlanTci, SflowOutputCode(_outputs, ifx), _lastCookie);
                    var user = UserspaceAction.WithCookie(_br.Pid, cookie, includeActions: true);
                    var sample = WrapSample(sflow.Probability, user);
                    _actions.InsertRange(0, sample);
                    inserted = sample.Length;
                }

                if (_br.SflowFlows.FirstOrDefault(f => f.Selects(_lastCookie)) is { } selector)
                {
                    var cookie = new SflowCookie(_packet.InPort, _br.Ofproto, _base.VlanTci, SflowOutputCode(_outputs, ifx), _lastCookie, SflowCookieFlags.PerFlow);
                    var user = UserspaceAction.WithCookie(_br.Pid, cookie, includeActions: true);
                    _actions.InsertRange(inserted, WrapSample(selector.Sampling.Probability, user));
                }

                actions = _actions.Count == 0 ? DpActions.Empty : new DpActions(_actions);
            }

            var wc = _wc;
            MegaflowWildcards.Finish(ref wc, _packet);
            wc.Unwildcard(FlowFields.InPort);
            if (_trace is not null)
            {
                _trace.FinalFlow = _flow;
                _trace.FinalInnerTci = (_flowVlans[0].Tci & FlowKey.VlanCfi) != 0 ? _flowVlans[1].Tci : (ushort)0;
            }

            return new XlateResult(actions, wc, _rules.ToImmutable(), _error) { Ipv6LabelWritten = _labelWritten && wc.IsExact(FlowFields.Ipv6Label) };
        }

        // ------------------------------------------------------------ tables

        private void LookupAndExecute(byte table, uint inPort, bool countResubmit)
        {
            if (countResubmit)
            {
                if (_depth >= MaxDepth)
                {
                    Fail(XlateError.RecursionTooDeep, ">> over max translation depth 64");
                    return;
                }

                if (_resubmits >= MaxResubmits)
                {
                    Fail(XlateError.TooManyResubmits, ">> over 4096 resubmit actions on bridge " + _br.Name);
                    return;
                }

                _resubmits++;
            }

            var savedInPort = _flow.InPort;
            _flow.InPort = inPort;
            FlowEntry? entry;
            if ((_flow.NwFrag & FlowKey.FragAny) != 0 && IsIpAny())
            {
                // OVS's frag handling "normal": fragments are looked up as if they had no ports.
                var look = _flow;
                look.TpSrc = 0;
                look.TpDst = 0;
                entry = _x._tables.Lookup(table, look, _version, ref _wc);
            }
            else
            {
                entry = _x._tables.Lookup(table, _flow, _version, ref _wc);
            }

            // As OVS: the resubmit's in_port is used for the lookup only, the actions see the real one.
            _flow.InPort = savedInPort;
            _trace?.Add(new XlateTraceEvent(XlateTraceKind.Table, _traceDepth, table, entry));
            if (entry is not null)
            {
                _rules.Add(entry);
                _lastCookie = entry.Rule.Cookie;
                var savedTable = _table;
                var savedRuleCookie = _ruleCookie;
                _table = table;
                _ruleCookie = entry.Rule.Cookie;
                _depth++;
                Execute(entry.Rule.Actions);
                _depth--;
                _table = savedTable;
                _ruleCookie = savedRuleCookie;
            }
        }

        private void Fail(XlateError error, string note)
        {
            if (_error == XlateError.None)
            {
                _error = error;
                Note(note);
            }

            _exit = true;
        }

        private void Note(string text) => _trace?.Add(new XlateTraceEvent(XlateTraceKind.Note, _traceDepth, Text: text));

        private void Execute(OfActionList actions)
        {
            for (var i = 0; i < actions.Count; i++)
            {
                var a = actions[i];
                if (_exit)
                {
                    return;
                }

                _trace?.Add(new XlateTraceEvent(XlateTraceKind.Action, _traceDepth, Action: a));
                switch (a)
                {
                    case Of.OutputAction o:
                        Output(o.Port, 0);
                        break;
                    case ControllerAction c:
                        Controller(c.MaxLen, 1);
                        break;
                    case GotoTableAction g:
                        LookupAndExecute(g.Table, _flow.InPort, countResubmit: true);
                        return;
                    case ResubmitAction r:
                        // OVS's trace nests a resubmit's table only when more actions follow it.
                        var nest = i < actions.Count - 1 ? 1 : 0;
                        _traceDepth += nest;
                        var table = r.Table ?? CurrentTable();
                        LookupAndExecute(table, r.Port is { } p && p != OfPorts.InPort ? p : _flow.InPort, countResubmit: true);
                        _traceDepth -= nest;
                        break;
                    case SetFieldAction s:
                        SetField(s.Field, s.Value, s.Mask ?? s.Field.AllOnes);
                        break;
                    case LoadAction l:
                        var d = l.Destination;
                        SetField(d.Field, l.Value << d.Offset, SliceMask(d));
                        break;
                    case MoveAction m:
                        Move(m.Source, m.Destination);
                        break;
                    case ModAction m:
                        Mod(m.Field, m.Value);
                        break;
                    case Of.PopVlanAction:
                        PopVlan();
                        break;
                    case Of.PushVlanAction pv:
                        PushVlan(pv.Tpid);
                        break;
                    case DecTtlAction:
                        if (!DecTtl())
                        {
                            return; // as OVS: the rest of this rule's actions are skipped, the caller goes on
                        }

                        break;
                    case Of.SampleAction s:
                        FlowSample(s);
                        break;
                }
            }
        }

        private byte CurrentTable() => _table;

        // ------------------------------------------------------------ output

        private void Output(ushort port, int _)
        {
            switch (port)
            {
                case OfPorts.InPort:
                    OutputPort(_flow.InPort);
                    break;
                case OfPorts.Normal:
                    Normal();
                    break;
                case OfPorts.Flood:
                    foreach (var p in _br.FloodPorts)
                    {
                        if (p != _flow.InPort)
                        {
                            OutputPort(p);
                        }
                    }

                    break;
                case OfPorts.All:
                    foreach (var p in _br.AllPorts)
                    {
                        if (p != _flow.InPort)
                        {
                            OutputPort(p);
                        }
                    }

                    break;
                case OfPorts.Controller:
                    Controller(65535, 1);
                    break;
                case OfPorts.Table or OfPorts.None:
                    Note(">> output to unsupported port");
                    break;
                default:
                    if (port == _flow.InPort)
                    {
                        Note(">> skipping output to input port");
                        break;
                    }

                    OutputPort(port);
                    break;
            }
        }

        private void OutputPort(uint port)
        {
            if (!_br.Ports.ContainsKey(port))
            {
                Note(">> Nonexistent output port");
                return;
            }

            Commit();
            _actions.Add(new Dp.OutputAction(port));
            _outputs++;
            _lastOutput = port;
        }

        private void Controller(ushort maxLen, ushort reason)
        {
            Commit();
            var cookie = new ControllerCookie(_flow.InPort, _br.Ofproto, false, false, reason, 0, _lastCookie, 0, maxLen);
            _actions.Add(UserspaceAction.WithCookie(_br.Pid, cookie));
        }

        private void Normal()
        {
            _wc.Unwildcard(FlowFields.DlSrc);
            _wc.Unwildcard(FlowFields.DlDst);
            _wc.Unwildcard(FlowFields.VlanTci, 0x0fff | FlowKey.VlanCfi);
            var vlan = (ushort)(_flow.VlanTci & 0x0fff);
            var inPort = _flow.InPort;
            if (_br.MacTable.Learn(_flow.DlSrc, vlan, inPort))
            {
                Note($"learned that {Mac(_flow.DlSrc)} is on port {inPort} in VLAN {vlan}");
            }

            var dst = _flow.DlDst;
            if ((dst & 0x0100_0000_0000UL) == 0 && _br.MacTable.Lookup(dst, vlan) is { } port)
            {
                if (port == inPort)
                {
                    Note(">> learned port is input port, dropping");
                    return;
                }

                Note($"forwarding to learned port");
                OutputPort(port);
                return;
            }

            Note((dst & 0x0100_0000_0000UL) != 0 ? "multicast traffic, flooding" : "no learned MAC for destination, flooding");
            foreach (var p in _br.FloodPorts)
            {
                if (p != inPort)
                {
                    OutputPort(p);
                }
            }
        }

        private static string Mac(ulong m) => string.Join(':', Enumerable.Range(0, 6).Select(i => ((byte)(m >> (40 - (8 * i)))).ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));

        private void FlowSample(Of.SampleAction s)
        {
            // A rule an sflow.flows selector picks already has its per-flow sampler (one rate per data source).
            if (_br.Sflow is not null && !_br.SflowFlows.Any(f => f.Selects(_ruleCookie)))
            {
                SflowFlowSample(s);
            }

            if (!_br.FlowSampling)
            {
                return;
            }

            // OVS: a sampling_port other than in_port names the output the sample is taken for (an
            // egress sample; the cookie carries its datapath port); an unknown port drops the action
            // with an error. Ports are their own datapath ports here (one datapath per bridge).
            var outputPort = FlowSampleCookie.OdpPortNone;
            if (s.SamplingPort is { } sp && sp != _flow.InPort)
            {
                if (!_br.Ports.ContainsKey(sp))
                {
                    Note($">> can't use unknown port {sp} in flow sample action");
                    return;
                }

                outputPort = sp;
            }

            Commit();
            var cookie = new FlowSampleCookie(_flow.InPort, _br.Ofproto, s.Probability, s.CollectorSetId, s.ObsDomainId, s.ObsPointId,
                outputPort, s.Direction);
            _actions.AddRange(WrapSample(FlowSampleProbability(s.Probability), UserspaceAction.WithCookie(_br.Pid, cookie)));
        }

        /// <summary>
        /// VSwarm extension: with sFlow on, an OpenFlow <c>sample(…)</c> action feeds the per-flow
        /// sampler of the rule that executes it (<c>sflow/flow-&lt;cookie&gt;</c>): a datapath
        /// <c>sample</c> at OVS's scaled probability around an sFlow userspace action whose cookie is
        /// flagged PerFlow|OfSample and carries the rate 65535 / P. Placed where the OpenFlow action is
        /// (the packet as modified so far); its output code is only known when translation ends, so
        /// the cookie is completed by <see cref="FixOfSflowSamples"/> (as OVS fixes its sFlow cookie).
        /// </summary>
        private void SflowFlowSample(Of.SampleAction s)
        {
            Commit();
            _ofSflowSamples ??= [];
            var index = _actions.Count;
            _actions.AddRange(OfSflowSample(s.Probability, _ruleCookie, 0));
            _ofSflowSamples.Add((index, _actions.Count - index, s.Probability, _ruleCookie));
        }

        private ImmutableArray<DpAction> OfSflowSample(ushort probability, ulong ruleCookie, uint output)
        {
            var cookie = new SflowCookie(_packet.InPort, _br.Ofproto, _base.VlanTci, output, ruleCookie,
                SflowCookieFlags.PerFlow | SflowCookieFlags.OfSample, OfSampleRate(probability));
            return WrapSample(FlowSampleProbability(probability), UserspaceAction.WithCookie(_br.Pid, cookie, includeActions: true));
        }

        private void FixOfSflowSamples(uint output)
        {
            foreach (var (index, count, probability, ruleCookie) in _ofSflowSamples ?? [])
            {
                _actions.RemoveRange(index, count);
                _actions.InsertRange(index, OfSflowSample(probability, ruleCookie, output));
            }
        }

        // ------------------------------------------------------------ header changes

        private bool IsIpAny() => EtherType.IsIp(_flow.DlType);

        private static UInt128 SliceMask(FieldSlice s) =>
            (s.Bits >= 128 ? UInt128.MaxValue : (UInt128.One << s.Bits) - 1) << s.Offset;

        /// <summary>mf_are_prereqs_ok: whether the packet has the field, un-wildcarding what was read to decide.</summary>
        private bool PrereqsOk(OfField f)
        {
            var st = f.Storage;
            if (st == FlowFields.NwSrc || st == FlowFields.NwDst)
            {
                return f == OfFields.ArpSpa || f == OfFields.ArpTpa ? _flow.DlType is EtherType.Arp or EtherType.Rarp : _flow.DlType == EtherType.Ipv4;
            }

            if (st == FlowFields.NwProto)
            {
                return f == OfFields.ArpOp ? _flow.DlType is EtherType.Arp or EtherType.Rarp : IsIpAny();
            }

            if (st == FlowFields.Ipv6Src || st == FlowFields.Ipv6Dst || st == FlowFields.Ipv6Label)
            {
                return _flow.DlType == EtherType.Ipv6;
            }

            if (st == FlowFields.NwTos || st == FlowFields.NwTtl || st == FlowFields.NwFrag)
            {
                return IsIpAny();
            }

            if (st == FlowFields.TcpFlags)
            {
                return IsIpAny() && Proto(KeyAttrs.ProtoTcp);
            }

            if (st == FlowFields.TpSrc || st == FlowFields.TpDst)
            {
                if (f == OfFields.IcmpType || f == OfFields.IcmpCode)
                {
                    return _flow.DlType == EtherType.Ipv4 && Proto(KeyAttrs.ProtoIcmp);
                }

                if (f == OfFields.Icmpv6Type || f == OfFields.Icmpv6Code)
                {
                    return _flow.DlType == EtherType.Ipv6 && Proto(KeyAttrs.ProtoIcmpv6);
                }

                var proto = f == OfFields.UdpSrc || f == OfFields.UdpDst ? KeyAttrs.ProtoUdp
                    : f == OfFields.SctpSrc || f == OfFields.SctpDst ? KeyAttrs.ProtoSctp : KeyAttrs.ProtoTcp;
                return IsIpAny() && Proto(proto);
            }

            if (st == FlowFields.ArpSha || st == FlowFields.ArpTha)
            {
                if (f == OfFields.NdSll || f == OfFields.NdTll)
                {
                    return Nd(f == OfFields.NdSll ? KeyAttrs.NdSolicit : KeyAttrs.NdAdvert);
                }

                return _flow.DlType is EtherType.Arp or EtherType.Rarp;
            }

            if (st == FlowFields.NdTarget)
            {
                return Nd(KeyAttrs.NdSolicit) || Nd(KeyAttrs.NdAdvert);
            }

            if (f == OfFields.VlanPcp)
            {
                _wc.Unwildcard(FlowFields.VlanTci, FlowKey.VlanCfi);
                return (_flow.VlanTci & FlowKey.VlanCfi) != 0;
            }

            return true;
        }

        private bool Proto(byte proto)
        {
            _wc.Unwildcard(FlowFields.NwProto);
            return _flow.NwProto == proto;
        }

        private bool Nd(byte type)
        {
            if (_flow.DlType != EtherType.Ipv6 || !Proto(KeyAttrs.ProtoIcmpv6))
            {
                return false;
            }

            _wc.Unwildcard(FlowFields.TpSrc, 0xff);
            return (_flow.TpSrc & 0xff) == type;
        }

        /// <summary>
        /// The real OVS 3.1 also makes nw_proto exact when an action writes an IP header field
        /// (addresses, label, TOS/ECN, TTL), except the OXM ip_dscp field and mod_nw_tos (recorded
        /// with tests/Oracle/record-trace.sh): the megaflow then says which L4 header follows.
        /// </summary>
        private void IpWriteTouchesProto(OfField f)
        {
            var st = f.Storage;
            if (f != OfFields.IpDscp && IsIpAny()
                && (st == FlowFields.NwSrc || st == FlowFields.NwDst || st == FlowFields.Ipv6Src || st == FlowFields.Ipv6Dst
                    || st == FlowFields.Ipv6Label || st == FlowFields.NwTos || st == FlowFields.NwTtl))
            {
                _wc.Unwildcard(FlowFields.NwProto);
            }
        }

        /// <summary>set_field / load: writes the masked bits of a field and un-wildcards them.</summary>
        private void SetField(OfField f, UInt128 value, UInt128 mask)
        {
            if (!PrereqsOk(f))
            {
                Note($">> {f.Name}: field prerequisites not met");
                return;
            }

            mask &= f.AllOnes;
            IpWriteTouchesProto(f);
            var smask = mask << f.Shift;
            _labelWritten |= f.Storage == FlowFields.Ipv6Label;
            _wc.Unwildcard(f.Storage, smask);
            WriteStorage(f, (value & mask) << f.Shift, smask);
        }

        private void WriteStorage(OfField f, UInt128 svalue, UInt128 smask)
        {
            var st = f.Storage;
            var cur = _flow.Get(st);
            _flow.Set(st, (cur & ~smask) | (svalue & smask));
            if (st == FlowFields.VlanTci)
            {
                _flowVlans[0].Tci = _flow.VlanTci;
                if ((_flow.VlanTci & FlowKey.VlanCfi) != 0 && _flowVlans[0].Tpid == 0)
                {
                    _flowVlans[0].Tpid = KeyAttrs.EthTypeVlan;
                }
            }
        }

        private void Move(FieldSlice src, FieldSlice dst)
        {
            if (!PrereqsOk(src.Field) || !PrereqsOk(dst.Field))
            {
                Note(">> move: field prerequisites not met");
                return;
            }

            var srcMask = SliceMask(src);
            var dstMask = SliceMask(dst);
            _wc.Unwildcard(src.Field.Storage, (srcMask & src.Field.AllOnes) << src.Field.Shift);
            _wc.Unwildcard(dst.Field.Storage, (dstMask & dst.Field.AllOnes) << dst.Field.Shift);
            _labelWritten |= dst.Field.Storage == FlowFields.Ipv6Label || src.Field.Storage == FlowFields.Ipv6Label;
            IpWriteTouchesProto(dst.Field);
            var v = ((src.Field.Read(_flow.ReadOnlyWords) & srcMask) >> src.Offset) << dst.Offset;
            WriteStorage(dst.Field, (v & dstMask) << dst.Field.Shift, (dstMask & dst.Field.AllOnes) << dst.Field.Shift);
            var now = dst.Field.Read(_flow.ReadOnlyWords);
            if (_trace is not null)
            {
                var shown = dst.IsWhole ? now : (now & dstMask) >> dst.Offset;
                var text = dst.IsWhole ? Messages.Ofctl.OfctlFlowFormatter.FieldValueText(dst.Field, shown, null)
                    : "0x" + shown.ToString("x", System.Globalization.CultureInfo.InvariantCulture);
                if (dst.IsWhole && dst.Field.Format is OfFieldFormat.Dec or OfFieldFormat.Hex or OfFieldFormat.Port)
                {
                    text = "0x" + shown.ToString("x", System.Globalization.CultureInfo.InvariantCulture);
                }

                Note($"-> {dst} is now {text}");
            }
        }

        private void Mod(ModField field, ulong value)
        {
            switch (field)
            {
                case ModField.DlSrc:
                    SetField(OfFields.EthSrc, value, OfFields.EthSrc.AllOnes);
                    break;
                case ModField.DlDst:
                    SetField(OfFields.EthDst, value, OfFields.EthDst.AllOnes);
                    break;
                case ModField.NwSrc:
                    SetField(OfFields.IpSrc, value, OfFields.IpSrc.AllOnes);
                    break;
                case ModField.NwDst:
                    SetField(OfFields.IpDst, value, OfFields.IpDst.AllOnes);
                    break;
                case ModField.NwTos:
                    if (IsIpAny())
                    {
                        SetField(OfFields.IpDscp, value >> 2, OfFields.IpDscp.AllOnes);
                    }

                    break;
                case ModField.TpSrc or ModField.TpDst:
                    if (IsIpAny() && (_flow.NwFrag & FlowKey.FragLater) == 0)
                    {
                        _wc.Unwildcard(FlowFields.NwProto);
                        var st = field == ModField.TpSrc ? FlowFields.TpSrc : FlowFields.TpDst;
                        _wc.Unwildcard(st);
                        _flow.Set(st, value);
                    }

                    break;
                case ModField.VlanVid:
                    _wc.Unwildcard(FlowFields.VlanTci, 0x0fff | FlowKey.VlanCfi);
                    SetTci((ushort)((_flow.VlanTci & ~0x0fff) | ((int)value & 0x0fff) | FlowKey.VlanCfi));
                    break;
                case ModField.VlanPcp:
                    _wc.Unwildcard(FlowFields.VlanTci, 0xe000 | FlowKey.VlanCfi);
                    SetTci((ushort)((_flow.VlanTci & ~0xe000) | (((int)value & 7) << 13) | FlowKey.VlanCfi));
                    break;
            }
        }

        private void SetTci(ushort tci)
        {
            if (_flowVlans[0].Tpid == 0)
            {
                _flowVlans[0].Tpid = KeyAttrs.EthTypeVlan;
            }

            _flowVlans[0].Tci = tci;
            _flow.VlanTci = tci;
        }

        private static int CountVlans(Vlan[] v) => (v[0].Tci & FlowKey.VlanCfi) == 0 ? 0 : (v[1].Tci & FlowKey.VlanCfi) == 0 ? 1 : 2;

        private void PushVlan(ushort tpid)
        {
            if (CountVlans(_flowVlans) > 0)
            {
                // OVS makes the tags already present exact: the new outer tag hides them.
                _wc.Unwildcard(FlowFields.VlanTci);
            }

            _flowVlans[1] = _flowVlans[0];
            _flowVlans[0] = new Vlan { Tpid = tpid, Tci = FlowKey.VlanCfi };
            _flow.VlanTci = FlowKey.VlanCfi;
        }

        private void PopVlan()
        {
            _flowVlans[0] = _flowVlans[1];
            _flowVlans[1] = default;
            _flow.VlanTci = _flowVlans[0].Tci;
        }

        /// <summary>
        /// dec_ttl; false on a TTL exception (TTL ≤ 1): OVS then sends the packet to the controller
        /// (reason invalid_ttl; with no controller connected the cookie says dont_send) and skips
        /// the rest of the rule's actions. OVS freezes the translation for a continuation and puts
        /// the recirculation id it allocated (1 in a fresh bridge) into the cookie; VSwarm does not
        /// recirculate and writes 1.
        /// </summary>
        private bool DecTtl()
        {
            if (!IsIpAny())
            {
                return true;
            }

            _wc.Unwildcard(FlowFields.NwTtl);
            _wc.Unwildcard(FlowFields.NwProto);
            if (_flow.NwTtl > 1)
            {
                _flow.NwTtl--;
                return true;
            }

            Note(_flow.DlType == EtherType.Ipv4 ? ">> IPv4 decrement TTL exception" : ">> IPv6 decrement TTL exception");
            Commit();
            var cookie = new ControllerCookie(_packet.InPort, _br.Ofproto, DontSend: true, Continuation: false, Reason: InvalidTtlReason,
                RecircId: 1, RuleCookie: _lastCookie, ControllerId: 0, MaxLen: 65535);
            _actions.Add(UserspaceAction.WithCookie(_br.Pid, cookie));
            return false;
        }

        private const ushort InvalidTtlReason = 2;

        // ------------------------------------------------------------ commit

        /// <summary>Emits the set/push/pop actions that turn the base flow into the flow (OVS's commit_odp_actions).</summary>
        private void Commit()
        {
            CommitAttr(OvsKeyAttr.Ethernet, [FlowFields.DlSrc, FlowFields.DlDst]);
            var l3 = false;
            if (_flow.NwProto != 0)
            {
                if (_base.DlType == EtherType.Ipv4)
                {
                    CommitAttr(OvsKeyAttr.Ipv4, [FlowFields.NwSrc, FlowFields.NwDst, FlowFields.NwTos, FlowFields.NwTtl]);
                    l3 = true;
                }
                else if (_base.DlType == EtherType.Ipv6)
                {
                    CommitAttr(OvsKeyAttr.Ipv6, [FlowFields.Ipv6Src, FlowFields.Ipv6Dst, FlowFields.Ipv6Label, FlowFields.NwTos, FlowFields.NwTtl]);
                    l3 = true;
                }
            }

            if (l3 && (_base.NwFrag & FlowKey.FragLater) == 0)
            {
                var attr = _flow.NwProto switch
                {
                    KeyAttrs.ProtoTcp => OvsKeyAttr.Tcp,
                    KeyAttrs.ProtoUdp => OvsKeyAttr.Udp,
                    KeyAttrs.ProtoSctp => OvsKeyAttr.Sctp,
                    _ => OvsKeyAttr.Unspec,
                };
                if (attr != OvsKeyAttr.Unspec)
                {
                    CommitAttr(attr, [FlowFields.TpSrc, FlowFields.TpDst]);
                }
                else if ((_flow.NwProto == KeyAttrs.ProtoIcmp && _base.DlType == EtherType.Ipv4) || (_flow.NwProto == KeyAttrs.ProtoIcmpv6 && _base.DlType == EtherType.Ipv6))
                {
                    CommitIcmp(_flow.NwProto == KeyAttrs.ProtoIcmp ? OvsKeyAttr.Icmp : OvsKeyAttr.Icmpv6);
                }
            }

            CommitVlans();
        }

        private void CommitAttr(OvsKeyAttr attr, FlowField[] fields)
        {
            var mask = default(FlowMask);
            var changed = false;
            var exact = true;
            foreach (var f in fields)
            {
                if (_flow.Get(f) != _base.Get(f))
                {
                    changed = true;
                    mask.Set(f, _wc.Get(f));
                }

                var width = f == FlowFields.Ipv6Label ? (UInt128)KeyAttrs.Ipv6LabelMask : f.AllOnes;
                exact &= mask.Get(f) == width;
            }

            if (!changed)
            {
                return;
            }

            // A non-masked set needs every field of the attribute exact; IPv4 and IPv6 carry
            // proto and frag, which are never writable, so they are always masked sets.
            if (exact && attr is not (OvsKeyAttr.Ipv4 or OvsKeyAttr.Ipv6))
            {
                _actions.Add(new SetAction(attr, _flow));
            }
            else
            {
                _actions.Add(new SetMaskedAction(attr, _flow, mask));
            }

            foreach (var f in fields)
            {
                _base.Set(f, _flow.Get(f));
            }
        }

        private void CommitIcmp(OvsKeyAttr attr)
        {
            if ((_flow.TpSrc & 0xff) == (_base.TpSrc & 0xff) && (_flow.TpDst & 0xff) == (_base.TpDst & 0xff))
            {
                return;
            }

            _wc.Unwildcard(FlowFields.TpSrc, 0xff);
            _wc.Unwildcard(FlowFields.TpDst, 0xff);
            _actions.Add(new SetAction(attr, _flow));
            _base.TpSrc = _flow.TpSrc;
            _base.TpDst = _flow.TpDst;
        }

        private void CommitVlans()
        {
            var bn = CountVlans(_baseVlans);
            var fn = CountVlans(_flowVlans);
            for (bn--, fn--; bn >= 0 && fn >= 0; bn--, fn--)
            {
                if (_baseVlans[bn].Tpid != _flowVlans[fn].Tpid || _baseVlans[bn].Tci != _flowVlans[fn].Tci)
                {
                    break;
                }
            }

            for (; bn >= 0; bn--)
            {
                _actions.Add(Dp.PopVlanAction.Instance);
                if (bn == 0)
                {
                    _wc.Unwildcard(FlowFields.VlanTci);
                }
            }

            for (; fn >= 0; fn--)
            {
                _actions.Add(new Dp.PushVlanAction(_flowVlans[fn].Tpid, _flowVlans[fn].Tci));
            }

            _baseVlans[0] = _flowVlans[0];
            _baseVlans[1] = _flowVlans[1];
            _base.VlanTci = _flowVlans[0].Tci;
        }
    }
}
