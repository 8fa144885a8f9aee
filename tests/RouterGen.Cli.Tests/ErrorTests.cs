using System;
using System.CommandLine;
using System.IO;
using Xunit;

namespace RouterGen.Cli.Tests
{
    public sealed class ErrorTests
    {
        [Theory]
        [InlineData("inspect")]
        [InlineData("route")]
        [InlineData("diff")]
        public void Missing_file_is_a_user_error_naming_the_file(string command)
        {
            using var folder = new TempFolder();
            string missing = Path.Combine(folder.Path, "missing.router.json");
            string[] args = command switch
            {
                "route" => ["route", "-p", missing, "hello"],
                "diff" => ["diff", missing, missing],
                _ => ["inspect", missing],
            };

            CliRun run = CliRun.Of(args);

            Assert.Equal(1, run.ExitCode);
            Assert.Contains($"routergen {command}: error:", run.Error);
            Assert.Contains(missing, run.Error);
        }

        [Fact]
        public void Malformed_json_reports_line_and_column()
        {
            using var folder = new TempFolder();
            string path = Path.Combine(folder.Path, "bad.router.json");
            File.WriteAllText(path, "{\n  \"formatVersion\": 1,\n  \"name\": \"X\",,\n}");

            CliRun run = CliRun.Of("inspect", path);

            Assert.Equal(1, run.ExitCode);
            Assert.Contains($"{path}(3,", run.Error);
            Assert.Contains("RG0001", run.Error);
        }

        [Fact]
        public void Invalid_field_reports_line_column_and_field()
        {
            using var folder = new TempFolder();
            string path = TestProfiles.Save(TestProfiles.Create(), folder);
            string[] lines = File.ReadAllLines(path);
            int at = Array.FindIndex(lines, l => l.Contains("0.78", StringComparison.Ordinal));
            lines[at] = lines[at].Replace("0.78", "1.78", StringComparison.Ordinal);
            File.WriteAllLines(path, lines);

            CliRun run = CliRun.Of("route", "-p", path, "hello");

            Assert.Equal(1, run.ExitCode);
            Assert.Contains($"{path}({at + 1},", run.Error);
            Assert.Contains("RG0009", run.Error);
            Assert.Contains("quality", run.Error);
        }

        [Fact]
        public void Parse_errors_exit_with_1()
        {
            CliRun unknown = CliRun.Of("no-such-command");
            CliRun missingOption = CliRun.Of("route", "hello");

            Assert.Equal(1, unknown.ExitCode);
            Assert.Equal(1, missingOption.ExitCode);
            Assert.Contains("--profile", missingOption.Error);
        }

        [Fact]
        public void Unexpected_failures_exit_with_2_and_show_the_exception()
        {
            var command = new Command("boom");
            CommandAction.Set(command, (_, _) => throw new InvalidOperationException("kaboom"));
            var root = new RootCommand { command };
            using var output = new StringWriter();
            using var error = new StringWriter();

            int code = root.Parse(["boom"]).Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });

            Assert.Equal(2, code);
            Assert.Contains("routergen boom: unexpected error: System.InvalidOperationException: kaboom", error.ToString());
        }

        [Fact]
        public void User_input_exceptions_exit_with_1_without_a_stack_trace()
        {
            var command = new Command("fit");
            CommandAction.Set(command, (_, _) => throw new UserInputException("data.jsonl:12: field 'score': expected a number"));
            var root = new RootCommand { command };
            using var output = new StringWriter();
            using var error = new StringWriter();

            int code = root.Parse(["fit"]).Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });

            Assert.Equal(1, code);
            Assert.Equal("routergen fit: error: data.jsonl:12: field 'score': expected a number" + Environment.NewLine, error.ToString());
        }
    }
}
