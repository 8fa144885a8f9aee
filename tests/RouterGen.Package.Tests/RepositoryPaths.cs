using System;
using System.IO;

namespace RouterGen.Package.Tests
{
    /// <summary>Locates the repository from the test assembly (the folder holding RouterGen.sln).</summary>
    internal static class RepositoryPaths
    {
        public static string Root { get; } = FindRoot();

        public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

        private static string FindRoot()
        {
            string? dir = AppContext.BaseDirectory;
            while (dir is not null && !File.Exists(Path.Combine(dir, "RouterGen.sln")))
            {
                dir = Path.GetDirectoryName(dir);
            }

            return dir ?? throw new InvalidOperationException("RouterGen.sln not found above " + AppContext.BaseDirectory);
        }
    }
}
