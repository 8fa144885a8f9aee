using System;
using System.CommandLine;
using System.IO;
using RouterGen.Embedding;
using RouterGen.Profiles;

namespace RouterGen.Cli
{
    /// <summary>
    /// A user mistake the command reports as a one-line message (exit code 1), not as a crash. Name the file, line and
    /// field where there is one: <c>data.jsonl:12: field 'score': expected a number</c>.
    /// </summary>
    internal sealed class UserInputException : Exception
    {
        public UserInputException(string message)
            : base(message)
        {
        }

        public UserInputException(string message, Exception innerException)
            : base(message, innerException)
        {
        }

        public UserInputException()
        {
        }
    }

    /// <summary>
    /// Runs a command body with the CLI's error convention: user errors (bad files, invalid profiles, wrong options) print
    /// a clear message and return 1; anything else prints the exception and returns 2. Every command uses
    /// <see cref="Set"/> so that the convention holds everywhere.
    /// </summary>
    internal static class CommandAction
    {
        /// <summary>Sets <paramref name="body"/> as the command's action. The body writes to the given output and returns an exit code.</summary>
        public static void Set(Command command, Func<ParseResult, TextWriter, int> body)
        {
            ArgumentNullException.ThrowIfNull(command);
            ArgumentNullException.ThrowIfNull(body);
            command.SetAction(parseResult => Run(parseResult, body));
        }

        private static int Run(ParseResult parseResult, Func<ParseResult, TextWriter, int> body)
        {
            TextWriter output = parseResult.InvocationConfiguration.Output;
            TextWriter error = parseResult.InvocationConfiguration.Error;
            try
            {
                return body(parseResult, output);
            }
            catch (Exception e) when (IsUserError(e))
            {
                output.Flush();
                error.WriteLine($"routergen {parseResult.CommandResult.Command.Name}: error: {e.Message}");
                return ExitCodes.UserError;
            }
            catch (Exception e)
            {
                output.Flush();
                error.WriteLine($"routergen {parseResult.CommandResult.Command.Name}: unexpected error: {e}");
                return ExitCodes.Unexpected;
            }
        }

        // An IOException is the operating system refusing what the user asked for (a file under a file, a full disk, a
        // port in use: Kestrel reports a failed bind as one), and its message says what: a user error, not a crash.
        private static bool IsUserError(Exception e) =>
            e is UserInputException or ProfileException or EmbedderMismatchException or IOException or UnauthorizedAccessException;
    }
}
