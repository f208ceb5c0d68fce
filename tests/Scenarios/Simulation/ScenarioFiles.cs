namespace VSwarm.Tests.Scenarios.Simulation;

/// <summary>Temporary scenario files and the repository's scenarios/ folder.</summary>
internal sealed class ScenarioFiles : IDisposable
{
    public ScenarioFiles()
    {
        Directory = Path.Combine(Path.GetTempPath(), "vswarm-sim-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    /// <summary>The repository's scenarios/ folder (found from the test binaries upwards).</summary>
    public static string Shipped
    {
        get
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            {
                if (File.Exists(Path.Combine(d.FullName, "VSwarm.slnx")))
                {
                    return Path.Combine(d.FullName, "scenarios");
                }
            }

            throw new InvalidOperationException("cannot find the repository root (VSwarm.slnx)");
        }
    }

    public string Write(string name, string text)
    {
        var path = Path.Combine(Directory, name);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text.ReplaceLineEndings("\n"));
        return path;
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
