namespace VSwarm.Tests.Unit.Oracle;

/// <summary>Finds files of the repository (golden files, oracle drivers) from a test's output folder.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Golden(params string[] parts) => Path.Combine([Root, "tests", "Golden", .. parts]);

    public static string Oracle(string file) => Path.Combine(Root, "tests", "Oracle", file);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "VSwarm.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"VSwarm.slnx not found above {AppContext.BaseDirectory}");
    }
}
