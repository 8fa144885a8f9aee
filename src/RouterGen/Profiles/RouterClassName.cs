// Shared between the runtime, the CLI and the source generator (linked source, netstandard2.0): the one rule for which
// "name" and "namespace" a profile may give its generated router class, so fit, load and build refuse the same names.
using System;
using System.Collections.Generic;

namespace RouterGen.Profiles
{
    /// <summary>
    /// Which router class names and namespaces compile: a C# identifier of ASCII letters, digits and '_' that is not a
    /// keyword, not a member the generator emits, not all lower-case (CS8981), not a name that would shadow
    /// <c>System</c>, <c>RouterGen</c> or <c>global</c>, and short enough for metadata and hint names.
    /// </summary>
    public static class RouterClassName
    {
        /// <summary>Longest router class name. Metadata allows 1024 UTF-8 bytes per type name; this leaves room for the namespace.</summary>
        public const int MaxNameLength = 128;

        /// <summary>Longest namespace (all parts and dots).</summary>
        public const int MaxNamespaceLength = 256;

        // C# reserved keywords. A test compares this list with Roslyn's SyntaxFacts, so a new keyword fails the build's tests
        // rather than a consumer's build.
        internal static readonly string[] ReservedKeywords =
        {
            "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const", "continue",
            "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern", "false", "finally",
            "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface", "internal", "is", "lock",
            "long", "namespace", "new", "null", "object", "operator", "out", "override", "params", "private", "protected",
            "public", "readonly", "ref", "return", "sbyte", "sealed", "short", "sizeof", "stackalloc", "static", "string",
            "struct", "switch", "this", "throw", "true", "try", "typeof", "uint", "ulong", "unchecked", "unsafe", "ushort",
            "using", "virtual", "void", "volatile", "while", "__arglist", "__makeref", "__reftype", "__refvalue",
        };

        // Contextual keywords: legal identifiers in most places, but a type named `file`, `record`, `var`, `dynamic`,
        // `required` or `scoped` breaks or changes the meaning of code around it. Compared with Roslyn's list by a test.
        internal static readonly string[] ContextualKeywords =
        {
            "add", "alias", "allows", "and", "args", "ascending", "assembly", "async", "await", "by", "descending", "dynamic",
            "equals", "extension", "field", "file", "from", "get", "global", "group", "init", "into", "join", "let", "managed",
            "method", "module", "nameof", "nint", "not", "notnull", "nuint", "on", "or", "orderby", "param", "partial",
            "property", "record", "remove", "required", "scoped", "select", "set", "type", "typevar", "unmanaged", "value",
            "var", "when", "where", "with", "yield",
        };

        /// <summary>
        /// Names of the members the generator emits inside a router class (a class cannot contain a member of its own
        /// name, CS0542). A generator test checks every member of the generated classes is listed here.
        /// </summary>
        internal static readonly string[] GeneratedMemberNames =
        {
            "Dimension", "ClusterCount", "ModelCount", "EmbedderIdentity", "MinSimilarity", "Models", "ModelIndex", "Presets",
            "Tables", "s_tables", "Route", "Kernel", "Embedder", "s_embedder", "CreatePromptRouter", "ShortfallWinner",
            "CostWeightedWinner", "UnitCentroids", "s_alignedCentroids", "ClusterQuality", "ClusterCostUsd", "BucketWeights",
            "CentroidHalfBits", "CentroidLevels", "CentroidScales", "s_quantizedCentroids",
        };

        // A router class of one of these names would hide the namespace in code of the consumer's namespace
        // (`System.Console` would bind to the router); `global` would make `global::` ambiguous to readers.
        private static readonly string[] ShadowingNames = { "System", "Microsoft", "RouterGen", "global" };

        // The runtime's own namespaces: a router declared in one could collide with a runtime type of the same name.
        private static readonly string[] RuntimeNamespaces =
        {
            "RouterGen", "RouterGen.Routing", "RouterGen.Embedding", "RouterGen.Profiles", "RouterGen.Fitting", "RouterGen.Onnx",
            "RouterGen.Extensions", "RouterGen.Extensions.AI", "RouterGen.Proxy", "RouterGen.Cli", "RouterGen.Generator",
        };

        private static readonly HashSet<string> Keywords = new HashSet<string>(Concat(ReservedKeywords, ContextualKeywords), StringComparer.Ordinal);

        private static readonly HashSet<string> Members = new HashSet<string>(GeneratedMemberNames, StringComparer.Ordinal);

        /// <summary>True when <paramref name="name"/> is a plain C# identifier (ASCII letters, digits, underscore; not a keyword).</summary>
        public static bool IsIdentifier(string name)
        {
            if (name.Length == 0 || (name[0] >= '0' && name[0] <= '9') || Keywords.Contains(name))
            {
                return false;
            }

            foreach (char c in name)
            {
                if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>Why <paramref name="name"/> cannot be a router class name (the field is <c>name</c>), or null when it can.</summary>
        public static string? NameProblem(string name)
        {
            if (name.Length > MaxNameLength)
            {
                return $"name is {name.Length} characters long; a router class name has at most {MaxNameLength}.";
            }

            if (Keywords.Contains(name))
            {
                return $"name \"{name}\" is a C# keyword; it becomes the router's class name.";
            }

            if (!IsIdentifier(name))
            {
                return $"name \"{name}\" must be a C# identifier (letters, digits, '_'; not starting with a digit): it becomes the router's class name.";
            }

            if (IsAllLowerCase(name))
            {
                return $"name \"{name}\" is all lower-case letters, which C# reserves for future keywords (CS8981); capitalise it.";
            }

            if (Members.Contains(name))
            {
                return $"name \"{name}\" is also a member of every generated router (CS0542); choose another class name.";
            }

            if (Array.IndexOf(ShadowingNames, name) >= 0)
            {
                return $"name \"{name}\" would hide the namespace {name} from code in the router's namespace; choose another class name.";
            }

            return null;
        }

        /// <summary>Why <paramref name="ns"/> cannot be the router's namespace (the field is <c>namespace</c>), or null when it can.</summary>
        public static string? NamespaceProblem(string ns)
        {
            if (ns.Length > MaxNamespaceLength)
            {
                return $"namespace is {ns.Length} characters long; at most {MaxNamespaceLength} are allowed.";
            }

            foreach (string part in ns.Split('.'))
            {
                if (Keywords.Contains(part))
                {
                    return $"namespace \"{ns}\" contains the C# keyword \"{part}\".";
                }

                if (!IsIdentifier(part))
                {
                    return $"namespace \"{ns}\" is not a dotted C# name.";
                }
            }

            if (Array.IndexOf(RuntimeNamespaces, ns) >= 0)
            {
                return $"namespace \"{ns}\" is one of RouterGen's own namespaces; a router there could collide with RouterGen's types.";
            }

            return null;
        }

        /// <summary>
        /// Why a router named <paramref name="name"/> in <paramref name="ns"/> (null: the project's root namespace) would not
        /// compile, or null when it would. <c>routergen fit</c> calls this before any work.
        /// </summary>
        public static string? Problem(string name, string? ns) => NameProblem(name) ?? (ns == null ? null : NamespaceProblem(ns));

        private static bool IsAllLowerCase(string name)
        {
            foreach (char c in name)
            {
                if (c < 'a' || c > 'z')
                {
                    return false;
                }
            }

            return true;
        }

        private static IEnumerable<string> Concat(string[] a, string[] b)
        {
            foreach (string s in a)
            {
                yield return s;
            }

            foreach (string s in b)
            {
                yield return s;
            }
        }
    }
}
