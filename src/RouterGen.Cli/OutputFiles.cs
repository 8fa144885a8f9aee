using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace RouterGen.Cli
{
    /// <summary>
    /// The files a command writes. Each destination is checked before the command does any work, and all are written
    /// together: every file goes to a temporary file beside its destination first, and only when all are written are
    /// they renamed into place, so a failed command leaves no output (a rename can still fail after another succeeded,
    /// but renames within a folder fail only when the folder itself vanishes).
    /// </summary>
    internal static class OutputFiles
    {
        private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

        /// <summary>Refuses an output path that cannot name a file: empty, a folder, or under a file. Null (not given) passes.</summary>
        /// <exception cref="UserInputException">The path cannot be written as a file.</exception>
        public static void Check(string option, string? path)
        {
            if (path is null)
            {
                return;
            }

            if (string.IsNullOrWhiteSpace(path))
            {
                throw new UserInputException($"{option} \"{path}\": is empty; give a file path.");
            }

            string full;
            try
            {
                full = Path.GetFullPath(path);
            }
            catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
            {
                throw new UserInputException($"{option} {path}: not a usable file path: {e.Message}", e);
            }

            if (Directory.Exists(full) || Path.EndsInDirectorySeparator(path))
            {
                throw new UserInputException($"{option} {path}: is a folder; give a file path.");
            }

            for (string? folder = Path.GetDirectoryName(full); folder is not null; folder = Path.GetDirectoryName(folder))
            {
                if (File.Exists(folder))
                {
                    throw new UserInputException($"{option} {path}: {folder} is a file, not a folder.");
                }

                if (Directory.Exists(folder))
                {
                    break;
                }
            }
        }

        /// <summary>Writes every file (UTF-8, no BOM) or none: see the class remarks.</summary>
        /// <exception cref="UserInputException">A file could not be written; nothing was renamed into place.</exception>
        public static void WriteAll(params (string Option, string Path, string Content)[] files)
        {
            ArgumentNullException.ThrowIfNull(files);
            var written = new List<(string Temporary, string Destination)>();
            try
            {
                foreach ((string option, string path, string content) in files)
                {
                    Check(option, path);
                    string destination = Path.GetFullPath(path);
                    string folder = Path.GetDirectoryName(destination) ?? ".";
                    string temporary = Path.Combine(folder, $".{Path.GetFileName(destination)}.{Guid.NewGuid():N}.tmp");
                    try
                    {
                        Directory.CreateDirectory(folder);
                        File.WriteAllText(temporary, content, Utf8);
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        throw new UserInputException($"{option} {path}: cannot write: {e.Message}", e);
                    }
                    finally
                    {
                        if (File.Exists(temporary))
                        {
                            written.Add((temporary, destination));
                        }
                    }
                }

                foreach ((string temporary, string destination) in written)
                {
                    File.Move(temporary, destination, overwrite: true);
                }
            }
            finally
            {
                foreach ((string temporary, _) in written)
                {
                    if (File.Exists(temporary))
                    {
                        File.Delete(temporary);
                    }
                }
            }
        }
    }
}
