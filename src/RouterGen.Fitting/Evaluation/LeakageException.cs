using System;

namespace RouterGen.Fitting
{
    /// <summary>Thrown when evaluation would score a router on prompts it was fit on.</summary>
    public sealed class LeakageException : InvalidOperationException
    {
        /// <summary>Creates the exception.</summary>
        public LeakageException(string message)
            : base(message)
        {
        }

        /// <summary>Creates the exception.</summary>
        public LeakageException()
        {
        }

        /// <summary>Creates the exception.</summary>
        public LeakageException(string message, Exception innerException)
            : base(message, innerException)
        {
        }
    }
}
