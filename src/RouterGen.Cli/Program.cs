using System;
using System.CommandLine;
using System.IO;
using RouterGen.Cli.Commands;

namespace RouterGen.Cli
{
    /// <summary>
    /// The <c>routergen</c> command line. Each command lives in its own file under Commands/ and is registered here with
    /// one line. Exit codes: 0 success, 1 user error (bad input, with file, line and field), 2 unexpected failure.
    /// </summary>
    internal static class Program
    {
        public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

        /// <summary>Parses and runs a command line, writing to the given streams (tests pass string writers).</summary>
        public static int Run(string[] args, TextWriter output, TextWriter error)
        {
            RootCommand root = CreateRootCommand();
            ParseResult parsed = root.Parse(args);
            var invocation = new InvocationConfiguration
            {
                Output = output,
                Error = error,

                // CommandAction maps exceptions to exit codes; the default handler would print a stack trace for user errors.
                EnableDefaultExceptionHandler = false,
            };
            try
            {
                return parsed.Invoke(invocation);
            }
            catch (Exception e)
            {
                // Only reached when the parser itself fails; command bodies report through CommandAction.
                error.WriteLine($"routergen: unexpected error: {e}");
                return ExitCodes.Unexpected;
            }
        }

        internal static RootCommand CreateRootCommand() =>
            new("routergen: fit, evaluate, inspect, explain and diff RouterGen router profiles.")
            {
                InspectCommand.Create(),
                RouteCommand.Create(),
                DiffCommand.Create(),
                FitCommand.Create(),
                EvalCommand.Create(),
                ServeCommand.Create(),
                EmbedCommand.Create(),
                CalibrateCommand.Create(),
                SynthesizeCommand.Create(),
                ModelFolderCommand.Create(),
            };
    }
}
