using System;
using System.IO;

namespace RouterGen.Package.Tests
{
    /// <summary>A fresh folder under the system temp folder, deleted (best effort) on dispose.</summary>
    internal sealed class TempFolder : IDisposable
    {
        public TempFolder(string prefix)
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
            catch (IOException)
            {
                // Best effort: a leftover temp folder must not fail the test.
            }
        }
    }
}
