// Shared between the runtime and the source generator (linked source, netstandard2.0): a centroid precision is spelled one
// way in code (the enum) and one way in text (these names); the profile reader, the writer and `routergen fit` use this file.
using System;

namespace RouterGen.Routing
{
    /// <summary>How a router stores its unit centroids (the profile's <c>centroidPrecision</c>).</summary>
    public enum CentroidPrecision
    {
        /// <summary>Four-byte floats (the default, and every profile without the field).</summary>
        Float32 = 0,

        /// <summary>IEEE 754 half-precision bits, two bytes per number: half the bytes the nearest-centroid search reads.</summary>
        Float16 = 1,

        /// <summary>
        /// Signed bytes with one scale per centroid (symmetric: the row's largest magnitude maps to 127), one byte per
        /// number: a quarter of the bytes the search reads.
        /// </summary>
        Int8 = 2,
    }

    /// <summary>The text names of <see cref="CentroidPrecision"/> values, as profiles and the CLI write them.</summary>
    public static class CentroidPrecisionNames
    {
        /// <summary>The name of <see cref="CentroidPrecision.Float32"/>.</summary>
        public const string Float32 = "float32";

        /// <summary>The name of <see cref="CentroidPrecision.Float16"/>.</summary>
        public const string Float16 = "float16";

        /// <summary>The name of <see cref="CentroidPrecision.Int8"/>.</summary>
        public const string Int8 = "int8";

        /// <summary>The names accepted, for error messages.</summary>
        public const string Expected = "\"" + Float32 + "\", \"" + Float16 + "\" or \"" + Int8 + "\"";

        /// <summary>The name of <paramref name="precision"/>.</summary>
        public static string Format(CentroidPrecision precision) => precision switch
        {
            CentroidPrecision.Float16 => Float16,
            CentroidPrecision.Int8 => Int8,
            _ => Float32,
        };

        /// <summary>Parses a precision name; <paramref name="ignoreCase"/> for names typed by people (CLI options).</summary>
        public static bool TryParse(string? name, out CentroidPrecision precision, bool ignoreCase = false)
        {
            StringComparison comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            foreach (CentroidPrecision candidate in new[] { CentroidPrecision.Float32, CentroidPrecision.Float16, CentroidPrecision.Int8 })
            {
                if (string.Equals(name, Format(candidate), comparison))
                {
                    precision = candidate;
                    return true;
                }
            }

            precision = CentroidPrecision.Float32;
            return false;
        }
    }
}
