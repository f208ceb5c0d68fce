using System.Collections.Immutable;
using VSwarm.Actors.Bridge.Protocol;
using VSwarm.Actors.Tables;
using VSwarm.Messages.Ofctl;
using VSwarm.Runtime;
using VSwarm.Runtime.Event;

namespace VSwarm.Actors.Bridge;

/// <summary>Timing of a <see cref="ClassifierActor"/>.</summary>
public sealed record ClassifierSettings
{
    /// <summary>How often timeouts are checked and removed entries collected (OVS checks expiry about once a second).</summary>
    public TimeSpan ExpiryInterval { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// The only writer of a bridge's OpenFlow tables (a thin shell around
/// <see cref="FlowModProcessor"/>, whose tables live in <see cref="BridgeState"/> so that a
/// restart loses nothing). Applies flow-mod batches (<see cref="ApplyFlowMods"/>,
/// <see cref="AddFlows"/>, <see cref="ModifyFlows"/>, <see cref="DeleteFlows"/>; reply
/// <see cref="FlowModResult"/>), answers <see cref="DumpFlows"/> and <see cref="GetTablesVersion"/>,
/// and after every change bumps reval_seq and tells the subscribers <see cref="TablesChanged"/>.
/// Every <see cref="ClassifierSettings.ExpiryInterval"/> it removes rules whose idle or hard
/// timeout passed, then physically drops entries that became invisible before the previous
/// tick (a one-tick grace period for readers still translating at an older version).
/// </summary>
public sealed class ClassifierActor : ReceiveActor, IWithTimers
{
    private readonly BridgeState _state;
    private readonly ClassifierSettings _settings;
    private readonly LoggingAdapter _log;

    /// <summary>Creates the actor (use <see cref="Props(BridgeState, ClassifierSettings?)"/>).</summary>
    public ClassifierActor(BridgeState state, ClassifierSettings settings)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(settings);
        _state = state;
        _settings = settings;
        _log = Context.GetLogger();

        Receive<ApplyFlowMods>(m => Apply(m.Mods));
        Receive<AddFlows>(OnAddFlows);
        Receive<ModifyFlows>(m => ApplyText(m.Strict ? FlowModCommand.ModifyStrict : FlowModCommand.Modify, m.Text));
        Receive<DeleteFlows>(m => ApplyText(m.Strict ? FlowModCommand.DeleteStrict : FlowModCommand.Delete, m.Filter));
        Receive<DumpFlows>(OnDumpFlows);
        Receive<GetTablesVersion>(_ => Sender.Tell(new TablesVersion(_state.Tables.Version, _state.RevalSeq)));
        Receive<SubscribeTables>(OnSubscribe);
        Receive<UnsubscribeTables>(m =>
        {
            _state.Unsubscribe(m.Subscriber);
            Context.Unwatch(m.Subscriber);
        });
        Receive<Terminated>(t => _state.Unsubscribe(t.ActorRef));
        Receive<RequestRevalidation>(m =>
        {
            _log.Debug("revalidation requested: {0}", m.Reason);
            Notify(_state.Tables.Version, TablesChangeReason.Other);
        });
        Receive<ExpiryTick>(_ => OnExpiryTick());
        Receive<InjectFailure>(m => throw new InjectedFailureException(m.Reason));
    }

    /// <inheritdoc/>
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>The Props of a classifier over a bridge's state.</summary>
    public static Props Props(BridgeState state, ClassifierSettings? settings = null)
    {
        var s = settings ?? new ClassifierSettings();
        return Runtime.Props.Create(() => new ClassifierActor(state, s));
    }

    /// <inheritdoc/>
    protected override void PreStart()
    {
        // After a restart the subscribers are still in the bridge state: watch them again.
        foreach (var s in _state.Subscribers)
        {
            Context.Watch(s);
        }

        Timers.StartPeriodicTimer(ExpiryTick.Instance, ExpiryTick.Instance, _settings.ExpiryInterval);
    }

    private long NowMs => BridgeState.NowMs(Context.System.Scheduler);

    private void OnAddFlows(AddFlows m)
    {
        if (m.Text is null)
        {
            Apply([.. m.Rules.Select(r => FlowMod.Add(r, m.CheckOverlap))]);
            return;
        }

        IReadOnlyList<FlowMod> mods;
        try
        {
            mods = FlowModText.ParseAddFlows(m.Text, checkOverlap: m.CheckOverlap);
        }
        catch (OfctlParseException ex)
        {
            Sender.Tell(FlowModResult.Fail(new FlowModError(ex.Line - 1, FlowModErrorCode.ParseError, ex.Message)));
            return;
        }

        Apply(mods);
    }

    private void ApplyText(FlowModCommand command, string text)
    {
        FlowMod mod;
        try
        {
            mod = FlowModText.Parse(command, text);
        }
        catch (OfctlParseException ex)
        {
            Sender.Tell(FlowModResult.Fail(new FlowModError(0, FlowModErrorCode.ParseError, ex.Message)));
            return;
        }

        Apply([mod]);
    }

    private void Apply(IReadOnlyList<FlowMod> mods)
    {
        var result = _state.FlowMods.Apply(mods, NowMs);
        if (result.Report is { Changed: true } report)
        {
            Notify(report.Version, TablesChangeReason.FlowMod);
        }
        else if (result.Error is { } error)
        {
            _log.Info("flow-mod batch rejected: {0}", error);
        }

        Sender.Tell(result);
    }

    private void OnDumpFlows(DumpFlows m)
    {
        var version = _state.Tables.Version;
        var flows = FlowDumpFormatter.Collect(_state.Tables, version, m.Table, NowMs);
        Sender.Tell(new FlowDump(version, flows, FlowDumpFormatter.Format(flows)));
    }

    private void OnSubscribe(SubscribeTables m)
    {
        if (_state.Subscribe(m.Subscriber))
        {
            Context.Watch(m.Subscriber);
        }

        m.Subscriber.Tell(new TablesChanged(_state.Tables.Version, _state.RevalSeq, TablesChangeReason.Subscribed), Self);
    }

    private void OnExpiryTick()
    {
        var report = _state.FlowMods.Expire(NowMs);
        if (report.Changed)
        {
            foreach (var x in report.Expired)
            {
                _log.Debug("removed by {0}: {1}", x.Reason, OfctlFlowFormatter.Format(x.Entry.Rule));
            }

            Notify(report.Version, TablesChangeReason.Expiry);
        }

        _state.FlowMods.CollectGarbage(_state.VersionAtLastTick);
        _state.VersionAtLastTick = _state.Tables.Version;
    }

    private void Notify(ulong version, TablesChangeReason reason)
    {
        var msg = new TablesChanged(version, _state.BumpRevalSeq(), reason);
        foreach (var s in _state.Subscribers)
        {
            s.Tell(msg, Self);
        }
    }

    /// <summary>The expiry timer's message.</summary>
    internal sealed class ExpiryTick
    {
        public static ExpiryTick Instance { get; } = new();
    }
}
