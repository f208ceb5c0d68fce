namespace VSwarm.Messages.Flow;

internal static class Placeholder
{
}
