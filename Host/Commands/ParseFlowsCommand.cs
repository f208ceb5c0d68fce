using System.CommandLine;
using VSwarm.Messages.Ofctl;

namespace VSwarm.Host.Commands;

/// <summary>
/// `vswarm parse-flows FILE|-`: reads a file in ovs-ofctl add-flows format and prints every flow
/// as VSwarm understands it, in ovs-ofctl's own spelling (like `ovs-ofctl parse-flows`). Errors
/// name the file, line, column and token; every good line is still printed; exit code 2 when
/// any line was bad.
/// </summary>
internal static class ParseFlowsCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "flow file in ovs-ofctl add-flows format, or - for standard input" };
        var cmd = new Command("parse-flows", "Check and normalise a flow file (ovs-ofctl add-flows syntax)") { file };
        cmd.SetAction(pr =>
        {
            var path = pr.GetValue(file)!;
            string text;
            try
            {
                text = path == "-" ? Console.In.ReadToEnd() : File.ReadAllText(path);
            }
            catch (IOException e)
            {
                Console.Error.WriteLine($"vswarm: {path}: {e.Message}");
                return 2;
            }

            var result = OfctlFlowParser.ParseFile(text, path == "-" ? "<stdin>" : path);
            foreach (var rule in result.Rules)
            {
                Console.Out.WriteLine(OfctlFlowFormatter.Format(rule));
            }

            foreach (var error in result.Errors)
            {
                Console.Error.WriteLine(error.Message);
            }

            return result.Success ? 0 : 2;
        });
        return cmd;
    }
}
