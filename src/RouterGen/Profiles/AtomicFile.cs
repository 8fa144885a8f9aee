using System;
using System.IO;
using System.Text;

namespace RouterGen.Profiles
{
    /// <summary>Writes files so that readers see either the old content or the new, never a half-written file.</summary>
    public static class AtomicFile
    {
        /// <summary>Writes <paramref name="content"/> (UTF-8, no BOM) to a temporary file beside <paramref name="path"/>, then renames it over.</summary>
        public static void WriteAllText(string path, string content) =>
            Write(path, temporary => File.WriteAllText(temporary, content, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)));

        /// <summary>Writes <paramref name="content"/> to a temporary file beside <paramref name="path"/>, then renames it over.</summary>
        public static void WriteAllBytes(string path, byte[] content) => Write(path, temporary => File.WriteAllBytes(temporary, content));

        private static void Write(string path, Action<string> writeTemporary)
        {
            ArgumentNullException.ThrowIfNull(path);
            string fullPath = Path.GetFullPath(path);
            string directory = Path.GetDirectoryName(fullPath) ?? ".";
            Directory.CreateDirectory(directory);
            string temporary = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
            try
            {
                writeTemporary(temporary);
                File.Move(temporary, fullPath, overwrite: true);
            }
            finally
            {
                if (File.Exists(temporary))
                {
                    File.Delete(temporary);
                }
            }
        }
    }
}
