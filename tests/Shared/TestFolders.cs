global using RouterGen.Tests.Shared;

using System;
using System.IO;

// Linked into the test projects that need it (like tests/Fuzzing/JsonMutator.cs): one temp folder and one repository
// root lookup instead of a copy per project.
namespace RouterGen.Tests.Shared
{
    /// <summary>A fresh folder under the system temp folder, deleted (best effort) on dispose.</summary>
    internal sealed class TempFolder : IDisposable
    {
        public TempFolder(string prefix = "routergen-tests-")
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Best effort: a leftover temp folder (or a file still mapped on some platforms) must not fail a test.
            }
        }
    }

    /// <summary>The checkout's root folder, found from the test binary (not [CallerFilePath]: CI builds map source paths).</summary>
    internal static class RepositoryRoot
    {
        public static string Path
        {
            get
            {
                string? dir = AppContext.BaseDirectory;
                while (dir != null && !File.Exists(System.IO.Path.Combine(dir, "RouterGen.sln")))
                {
                    dir = System.IO.Path.GetDirectoryName(dir);
                }

                return dir ?? throw new InvalidOperationException("RouterGen.sln not found above " + AppContext.BaseDirectory);
            }
        }
    }
}
