using System.IO;
using Xunit;

namespace RouterGen.Cli.Tests
{
    /// <summary><c>routergen fit</c> refuses a router name or namespace the generator would refuse, before reading any data.</summary>
    public sealed class FitNameTests
    {
        [Theory]
        [InlineData("--name", "class", "C# keyword")]
        [InlineData("--name", "record", "C# keyword")]
        [InlineData("--name", "router", "CS8981")]
        [InlineData("--name", "Route", "member of every generated router")]
        [InlineData("--name", "System", "would hide the namespace System")]
        [InlineData("--namespace", "Acme.file", "C# keyword \"file\"")]
        [InlineData("--namespace", "RouterGen.Routing", "RouterGen's own namespaces")]
        public void FitRefusesANameTheGeneratorWouldRefuseBeforeReadingData(string option, string value, string reason)
        {
            using var folder = new TempFolder();

            // The data folder does not exist: a refusal naming the option proves the check ran before any work.
            string[] args = ["fit", "--data", Path.Combine(folder.Path, "no-such-data"), "--out", Path.Combine(folder.Path, "x.router.json"), option, value];
            CliRun run = CliRun.Of(args);

            Assert.Equal(1, run.ExitCode);
            Assert.Contains(option + ": ", run.Error, System.StringComparison.Ordinal);
            Assert.Contains(reason, run.Error, System.StringComparison.Ordinal);
            Assert.DoesNotContain("no-such-data", run.Error, System.StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(folder.Path, "x.router.json")));
        }
    }
}
