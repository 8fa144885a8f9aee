using System;
using System.IO;
using Xunit;

namespace RouterGen.Fitting.Tests
{
    /// <summary>Locations of test inputs: the repository, ../shared/data beside it, and scratch folders.</summary>
    internal static class TestData
    {
        public static string RepoRoot()
        {
            string? dir = AppContext.BaseDirectory;
            while (dir != null && !File.Exists(Path.Combine(dir, "RouterGen.sln")))
            {
                dir = Path.GetDirectoryName(dir);
            }

            return dir ?? throw new InvalidOperationException("RouterGen.sln not found above " + AppContext.BaseDirectory);
        }

        /// <summary>../shared/data beside the repository, or null when absent.</summary>
        public static string? SharedData()
        {
            string path = Path.GetFullPath(Path.Combine(RepoRoot(), "..", "shared", "data"));
            return Directory.Exists(Path.Combine(path, "swebench-verified")) ? path : null;
        }

        /// <summary>A fresh empty folder under the system temp folder.</summary>
        public static string NewFolder()
        {
            string path = Path.Combine(Path.GetTempPath(), "routergen-fit-tests", Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(path);
            return path;
        }
    }

    /// <summary>A fact that runs only when ../shared/data (the real routing data) is beside the repository.</summary>
    public sealed class RequiresSharedDataFactAttribute : FactAttribute
    {
        public RequiresSharedDataFactAttribute()
        {
            if (TestData.SharedData() is null)
            {
                Skip = "../shared/data/swebench-verified is not present beside the repository; this test needs the real routing data.";
            }
        }
    }

    /// <summary>A fact that needs Linux's /proc: a folder in which nobody, not even root, can create a file.</summary>
    public sealed class RequiresProcFactAttribute : FactAttribute
    {
        public RequiresProcFactAttribute()
        {
            if (!OperatingSystem.IsLinux() || !Directory.Exists("/proc/self"))
            {
                Skip = "needs Linux's /proc, where no file can be created, to test a write that fails after the fit.";
            }
        }
    }
}
