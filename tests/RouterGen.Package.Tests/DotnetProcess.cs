using System;
using System.Collections;
using System.Diagnostics;
using System.Text;

namespace RouterGen.Package.Tests
{
    /// <summary>Runs the dotnet CLI as a child process the way a user would, isolated from the test host's MSBuild state.</summary>
    internal static class DotnetProcess
    {
        public static (int ExitCode, string Output) Run(string workingDirectory, TimeSpan timeout, params string[] arguments) =>
            RunProgram("dotnet", workingDirectory, timeout, arguments);

        /// <summary>Runs the dotnet CLI and fails the test, with its output, unless it exits 0; returns the output.</summary>
        public static string RunChecked(string workingDirectory, TimeSpan timeout, params string[] arguments)
        {
            (int exitCode, string output) = Run(workingDirectory, timeout, arguments);
            Xunit.Assert.True(exitCode == 0, $"dotnet {string.Join(' ', arguments)} failed with exit code {exitCode}:\n{output}");
            return output;
        }

        /// <summary>Runs <paramref name="program"/> (for example an installed tool's shim) with the same clean environment.</summary>
        public static (int ExitCode, string Output) RunProgram(string program, string workingDirectory, TimeSpan timeout, params string[] arguments)
        {
            var start = new ProcessStartInfo(program)
            {
                WorkingDirectory = workingDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            // The test host may carry MSBuild variables of the outer build; a user's shell would not.
            foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
            {
                string name = (string)variable.Key;
                if (name.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || name.StartsWith("MSBuild", StringComparison.Ordinal) || name == "DOTNET_HOST_PATH")
                {
                    start.Environment.Remove(name);
                }
            }

            start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            start.Environment["DOTNET_NOLOGO"] = "1";
            start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";

            var output = new StringBuilder();
            using var process = new Process { StartInfo = start };
            process.OutputDataReceived += (_, e) => Append(output, e.Data);
            process.ErrorDataReceived += (_, e) => Append(output, e.Data);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                return (-1, $"{program} {string.Join(' ', arguments)} timed out after {timeout.TotalSeconds:0} s:\n{output}");
            }

            process.WaitForExit();
            return (process.ExitCode, output.ToString());
        }

        private static void Append(StringBuilder output, string? line)
        {
            if (line is not null)
            {
                lock (output)
                {
                    output.AppendLine(line);
                }
            }
        }
    }
}
