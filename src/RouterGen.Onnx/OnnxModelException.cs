using System;

namespace RouterGen.Onnx
{
    /// <summary>A model folder cannot be used as an embedder; the message names the file and the problem.</summary>
    public sealed class OnnxModelException : Exception
    {
        /// <summary>Creates the exception.</summary>
        public OnnxModelException()
        {
        }

        /// <summary>Creates the exception with a message naming the file and the problem.</summary>
        public OnnxModelException(string message)
            : base(message)
        {
        }

        /// <summary>Creates the exception with a message and the underlying error.</summary>
        public OnnxModelException(string message, Exception innerException)
            : base(message, innerException)
        {
        }
    }
}
