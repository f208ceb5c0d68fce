namespace VSwarm.TestKit;

internal static class Placeholder
{
}
