using Microsoft.Extensions.Logging;

namespace VSwarm.Runtime.Event;

/// <summary>Akka's <c>DeadLetter</c>: a message that could not be delivered, published on the EventStream.</summary>
public sealed record DeadLetter(object Message, IActorRef Sender, IActorRef Recipient);

/// <summary>
/// Akka's <c>Dropped</c>: a message dropped on purpose, here by a full bounded mailbox
/// (<see cref="Reason"/> = "mailbox full"). A <see cref="DeadLetter"/> is published as well.
/// </summary>
public sealed record Dropped(object Message, string Reason, IActorRef Sender, IActorRef Recipient);

/// <summary>Akka's <c>LogEvent</c>: a log record published on the EventStream (what TestKit's EventFilter observes).</summary>
public abstract record LogEvent(string LogSource, Type LogClass, object Message)
{
    /// <summary>When the event was created (wall clock, UTC).</summary>
    public DateTimeOffset Timestamp { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>Managed thread that logged.</summary>
    public int Thread { get; init; } = Environment.CurrentManagedThreadId;

    /// <summary>The level as a Microsoft.Extensions.Logging level.</summary>
    public abstract LogLevel Level { get; }

    /// <summary>The cause, for errors.</summary>
    public virtual Exception? Cause => null;

    /// <inheritdoc />
    public override string ToString() =>
        $"[{Level}][{Timestamp:O}][{Thread}][{LogSource}] {Message}{(Cause is null ? string.Empty : Environment.NewLine + Cause)}";
}

/// <summary>Akka's <c>Error</c> log event; <see cref="LogEvent.Cause"/> holds the exception.</summary>
public sealed record Error(Exception? ErrorCause, string LogSource, Type LogClass, object Message) : LogEvent(LogSource, LogClass, Message)
{
    /// <inheritdoc />
    public override LogLevel Level => LogLevel.Error;

    /// <inheritdoc />
    public override Exception? Cause => ErrorCause;

    /// <inheritdoc />
    public override string ToString() => base.ToString();
}

/// <summary>Akka's <c>Warning</c> log event.</summary>
public sealed record Warning(string LogSource, Type LogClass, object Message) : LogEvent(LogSource, LogClass, Message)
{
    /// <inheritdoc />
    public override LogLevel Level => LogLevel.Warning;

    /// <inheritdoc />
    public override string ToString() => base.ToString();
}

/// <summary>Akka's <c>Info</c> log event.</summary>
public sealed record Info(string LogSource, Type LogClass, object Message) : LogEvent(LogSource, LogClass, Message)
{
    /// <inheritdoc />
    public override LogLevel Level => LogLevel.Information;

    /// <inheritdoc />
    public override string ToString() => base.ToString();
}

/// <summary>Akka's <c>Debug</c> log event.</summary>
public sealed record Debug(string LogSource, Type LogClass, object Message) : LogEvent(LogSource, LogClass, Message)
{
    /// <inheritdoc />
    public override LogLevel Level => LogLevel.Debug;

    /// <inheritdoc />
    public override string ToString() => base.ToString();
}

/// <summary>
/// Akka's <c>ILoggingAdapter</c>, reduced: writes to Microsoft.Extensions.Logging (category = the logging
/// class) and publishes the matching <see cref="LogEvent"/> on the EventStream. Messages use
/// <see cref="string.Format(IFormatProvider, string, object[])"/> placeholders ({0}), formatted with the
/// invariant culture.
/// </summary>
public sealed class LoggingAdapter
{
    private readonly EventStream _stream;
    private readonly ILogger _logger;

    internal LoggingAdapter(EventStream stream, ILoggerFactory factory, string logSource, Type logClass)
    {
        _stream = stream;
        LogSource = logSource;
        LogClass = logClass;
        _logger = factory.CreateLogger(logClass.FullName ?? logClass.Name);
    }

    /// <summary>Source printed with each event (the actor path).</summary>
    public string LogSource { get; }

    /// <summary>The class that logs.</summary>
    public Type LogClass { get; }

    /// <summary>Logs at debug level.</summary>
    public void Debug(string format, params object?[] args) => Write(LogLevel.Debug, null, format, args);

    /// <summary>Logs at information level.</summary>
    public void Info(string format, params object?[] args) => Write(LogLevel.Information, null, format, args);

    /// <summary>Logs at warning level.</summary>
    public void Warning(string format, params object?[] args) => Write(LogLevel.Warning, null, format, args);

    /// <summary>Logs at error level.</summary>
    public void Error(string format, params object?[] args) => Write(LogLevel.Error, null, format, args);

    /// <summary>Logs an exception at error level.</summary>
    public void Error(Exception? cause, string format, params object?[] args) => Write(LogLevel.Error, cause, format, args);

    private void Write(LogLevel level, Exception? cause, string format, object?[] args)
    {
        var message = args.Length == 0 ? format : string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args);
        Emit(_stream, _logger, level, cause, LogSource, LogClass, message);
    }

    internal static void Emit(EventStream stream, ILogger logger, LogLevel level, Exception? cause, string source, Type logClass, string message)
    {
        if (logger.IsEnabled(level))
        {
            logger.Log(level, default, (source, message), cause, static (s, _) => $"[{s.source}] {s.message}");
        }

        LogEvent ev = level switch
        {
            LogLevel.Error or LogLevel.Critical => new Error(cause, source, logClass, message),
            LogLevel.Warning => new Warning(source, logClass, message),
            LogLevel.Information => new Info(source, logClass, message),
            _ => new Debug(source, logClass, message),
        };
        stream.Publish(ev);
    }
}
