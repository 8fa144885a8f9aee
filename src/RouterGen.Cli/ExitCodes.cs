namespace RouterGen.Cli
{
    /// <summary>Process exit codes of every routergen command.</summary>
    internal static class ExitCodes
    {
        /// <summary>The command did what was asked.</summary>
        public const int Success = 0;

        /// <summary>The input was wrong (missing file, invalid profile, bad option); the message says where and why.</summary>
        public const int UserError = 1;

        /// <summary>A bug or an environment failure; the message carries the exception.</summary>
        public const int Unexpected = 2;
    }
}
