namespace VSwarm.Runtime.Actor;

internal static class Placeholder
{
}
