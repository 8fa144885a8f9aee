using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using Xunit;

namespace RouterGen.Tests
{
    /// <summary>
    /// The public surface of every shipped library, written as sorted text and compared with a checked-in baseline under
    /// PublicApi/, so that an API change shows in review as a diff of that file. Set ROUTERGEN_UPDATE_BASELINES=1 to
    /// rewrite the baselines (the same switch as the generator's snapshot tests), then review the diff.
    /// </summary>
    public sealed class PublicApiTests
    {
        private static readonly bool UpdateBaselines = Environment.GetEnvironmentVariable("ROUTERGEN_UPDATE_BASELINES") == "1";

        public static TheoryData<string> ShippedAssemblies => new()
        {
            "RouterGen",
            "RouterGen.Onnx",
            "RouterGen.Fitting",
            "RouterGen.Extensions.AI",
            "RouterGen.Proxy",
        };

        [Theory]
        [MemberData(nameof(ShippedAssemblies))]
        public void PublicApiMatchesBaseline(string assemblyName)
        {
            Assembly assembly = Assembly.Load(assemblyName);
            string actual = PublicApiText.Of(assembly);
            string baselinePath = Path.Combine(SourceFolder(), "PublicApi", assemblyName + ".txt");
            if (UpdateBaselines)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(baselinePath)!);
                File.WriteAllText(baselinePath, actual);
                return;
            }

            Assert.True(File.Exists(baselinePath), $"Missing {baselinePath}; run the tests with ROUTERGEN_UPDATE_BASELINES=1 to create it.");
            string[] expectedLines = File.ReadAllText(baselinePath).ReplaceLineEndings("\n").Split('\n');
            string[] actualLines = actual.Split('\n');
            for (int i = 0; i < Math.Max(expectedLines.Length, actualLines.Length); i++)
            {
                string expected = i < expectedLines.Length ? expectedLines[i] : "<end of baseline>";
                string got = i < actualLines.Length ? actualLines[i] : "<end of surface>";
                if (expected != got)
                {
                    Assert.Fail(
                        $"The public API of {assemblyName} differs from {baselinePath} at line {i + 1}:\n  baseline: {expected}\n  now:      {got}\n" +
                        "If the change is intended, rerun with ROUTERGEN_UPDATE_BASELINES=1 and review the diff.");
                }
            }
        }

        [Fact]
        public void SurfaceTextListsPublicMembersAndOmitsPrivateOnes()
        {
            string text = PublicApiText.Of(typeof(PublicApiTests).Assembly);
            Assert.Contains("class RouterGen.Tests.SurfaceSample", text, StringComparison.Ordinal);
            Assert.Contains("  System.Int32 Visible(System.String name, out System.Double value)", text, StringComparison.Ordinal);
            Assert.Contains("  [EditorBrowsable(Never)] System.Int32 Hidden { get; }", text, StringComparison.Ordinal);
            Assert.DoesNotContain("NotVisible", text, StringComparison.Ordinal);
        }

        private static string SourceFolder() => Path.Combine(RepositoryRoot.Path, "tests", "RouterGen.Tests");
    }

    /// <summary>A fixture for <see cref="PublicApiTests"/>: one visible method, one hidden property, one private member.</summary>
    public sealed class SurfaceSample
    {
        /// <summary>Visible.</summary>
        public int Visible(string name, out double value)
        {
            value = name.Length;
            return NotVisible();
        }

        /// <summary>Hidden from IntelliSense but public.</summary>
        [EditorBrowsable(EditorBrowsableState.Never)]
        public int Hidden => 1;

        private static int NotVisible() => 0;
    }

    /// <summary>Writes an assembly's public and protected surface as sorted, diff-friendly lines.</summary>
    internal static class PublicApiText
    {
        private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

        public static string Of(Assembly assembly)
        {
            var text = new StringBuilder();
            foreach (Type type in assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
            {
                text.Append(Markers(type)).Append(KindOf(type)).Append(' ').Append(TypeName(type)).Append(BaseList(type)).Append('\n');
                foreach (string member in MembersOf(type).OrderBy(m => m, StringComparer.Ordinal))
                {
                    text.Append("  ").Append(member).Append('\n');
                }
            }

            return text.ToString();
        }

        private static IEnumerable<string> MembersOf(Type type)
        {
            if (type.IsEnum)
            {
                foreach (FieldInfo field in type.GetFields(BindingFlags.Public | BindingFlags.Static))
                {
                    yield return $"{field.Name} = {Convert.ToInt64(field.GetRawConstantValue(), System.Globalization.CultureInfo.InvariantCulture)}";
                }

                yield break;
            }

            if (typeof(Delegate).IsAssignableFrom(type))
            {
                MethodInfo invoke = type.GetMethod("Invoke")!;
                yield return $"{TypeName(invoke.ReturnType)} Invoke({Parameters(invoke.GetParameters())})";
                yield break;
            }

            foreach (MemberInfo member in type.GetMembers(Declared))
            {
                if (member.IsDefined(typeof(CompilerGeneratedAttribute), false))
                {
                    continue;
                }

                string? line = member switch
                {
                    ConstructorInfo c when Visible(c) => $"{Static(c.IsStatic)}ctor({Parameters(c.GetParameters())})",
                    MethodInfo m when Visible(m) && !m.IsSpecialName => $"{Modifiers(m)}{TypeName(m.ReturnType)} {m.Name}{GenericArguments(m)}({Parameters(m.GetParameters())})",
                    MethodInfo m when Visible(m) && m.Name.StartsWith("op_", StringComparison.Ordinal) => $"static {TypeName(m.ReturnType)} {m.Name}({Parameters(m.GetParameters())})",
                    PropertyInfo p => Property(p),
                    FieldInfo f when Visible(f) => Field(f),
                    EventInfo e when e.AddMethod is { } add && Visible(add) => $"{Static(add.IsStatic)}event {TypeName(e.EventHandlerType!)} {e.Name}",
                    _ => null,
                };
                if (line is not null)
                {
                    yield return Markers(member) + line;
                }
            }
        }

        private static string? Property(PropertyInfo property)
        {
            MethodInfo? get = property.GetMethod is { } g && Visible(g) ? g : null;
            MethodInfo? set = property.SetMethod is { } s && Visible(s) ? s : null;
            MethodInfo? any = get ?? set;
            if (any is null)
            {
                return null;
            }

            bool init = set is not null && set.ReturnParameter.GetRequiredCustomModifiers().Any(m => m.FullName == "System.Runtime.CompilerServices.IsExternalInit");
            string accessors = (get is null ? "" : " get;") + (set is null ? "" : init ? " init;" : " set;");
            ParameterInfo[] index = property.GetIndexParameters();
            string name = index.Length == 0 ? property.Name : $"this[{Parameters(index)}]";
            return $"{Modifiers(any)}{TypeName(property.PropertyType)} {name} {{{accessors} }}";
        }

        private static string Field(FieldInfo field)
        {
            if (field.IsLiteral)
            {
                object? value = field.GetRawConstantValue();
                string shown = value is string s ? Quoted(s) : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "null";
                return $"const {TypeName(field.FieldType)} {field.Name} = {shown}";
            }

            return $"{Static(field.IsStatic)}{(field.IsInitOnly ? "readonly " : "")}{TypeName(field.FieldType)} {field.Name}";
        }

        private static string Quoted(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

        private static bool Visible(MethodBase method) => method.IsPublic || method.IsFamily || method.IsFamilyOrAssembly;

        private static bool Visible(FieldInfo field) => field.IsPublic || field.IsFamily || field.IsFamilyOrAssembly;

        private static string Static(bool isStatic) => isStatic ? "static " : "";

        private static string Modifiers(MethodInfo method)
        {
            string access = method.IsPublic ? "" : "protected ";
            if (method.IsStatic)
            {
                return access + "static ";
            }

            if (method.IsAbstract)
            {
                return access + "abstract ";
            }

            if (method.IsVirtual && !method.IsFinal)
            {
                return access + (method.GetBaseDefinition().DeclaringType == method.DeclaringType ? "virtual " : "override ");
            }

            return access;
        }

        private static string Markers(MemberInfo member)
        {
            var markers = new List<string>();
            if (member.GetCustomAttribute<EditorBrowsableAttribute>() is { State: EditorBrowsableState.Never })
            {
                markers.Add("EditorBrowsable(Never)");
            }

            if (member.IsDefined(typeof(ObsoleteAttribute), false))
            {
                markers.Add("Obsolete");
            }

            if (member.GetCustomAttribute<System.Diagnostics.CodeAnalysis.ExperimentalAttribute>() is { } experimental)
            {
                markers.Add($"Experimental({experimental.DiagnosticId})");
            }

            return markers.Count == 0 ? "" : "[" + string.Join(", ", markers) + "] ";
        }

        private static string KindOf(Type type)
        {
            if (type.IsEnum)
            {
                return "enum";
            }

            if (type.IsInterface)
            {
                return "interface";
            }

            if (typeof(Delegate).IsAssignableFrom(type))
            {
                return "delegate";
            }

            if (type.IsValueType)
            {
                bool isReadOnly = type.GetCustomAttributes(false).Any(a => a.GetType().FullName == "System.Runtime.CompilerServices.IsReadOnlyAttribute");
                return isReadOnly ? "readonly struct" : "struct";
            }

            return type.IsAbstract && type.IsSealed ? "static class"
                : type.IsAbstract ? "abstract class"
                : type.IsSealed ? "sealed class"
                : "class";
        }

        private static string BaseList(Type type)
        {
            if (type.IsEnum || typeof(Delegate).IsAssignableFrom(type))
            {
                return "";
            }

            var bases = new List<string>();
            if (type.BaseType is { } baseType && baseType != typeof(object) && baseType != typeof(ValueType))
            {
                bases.Add(TypeName(baseType));
            }

            // Only interfaces a consumer can see; inherited ones are listed on the base.
            IEnumerable<Type> inherited = type.BaseType?.GetInterfaces() ?? Type.EmptyTypes;
            bases.AddRange(type.GetInterfaces().Where(i => i.IsVisible).Except(inherited).Select(TypeName).OrderBy(n => n, StringComparer.Ordinal));
            return bases.Count == 0 ? "" : " : " + string.Join(", ", bases);
        }

        private static string GenericArguments(MethodInfo method) =>
            method.IsGenericMethodDefinition ? "<" + string.Join(", ", method.GetGenericArguments().Select(TypeName)) + ">" : "";

        private static string Parameters(ParameterInfo[] parameters) =>
            string.Join(", ", parameters.Select(p =>
            {
                string prefix = p.ParameterType.IsByRef ? (p.IsOut ? "out " : p.IsIn ? "in " : "ref ") : p.IsDefined(typeof(ParamArrayAttribute), false) ? "params " : "";
                string suffix = p.HasDefaultValue ? " = " + (p.DefaultValue is null ? "null" : p.DefaultValue is string s ? Quoted(s) : Convert.ToString(p.DefaultValue, System.Globalization.CultureInfo.InvariantCulture)) : "";
                return $"{prefix}{TypeName(p.ParameterType)} {p.Name}{suffix}";
            }));

        private static string TypeName(Type type)
        {
            if (type.IsByRef || type.IsPointer)
            {
                return TypeName(type.GetElementType()!) + (type.IsPointer ? "*" : "");
            }

            if (type.IsArray)
            {
                return TypeName(type.GetElementType()!) + "[" + new string(',', type.GetArrayRank() - 1) + "]";
            }

            if (type.IsGenericParameter)
            {
                return type.Name;
            }

            string name = type.Name;
            int tick = name.IndexOf('`', StringComparison.Ordinal);
            if (tick >= 0)
            {
                name = name[..tick];
            }

            string prefix = type.IsNested ? TypeName(type.DeclaringType!.IsGenericTypeDefinition && type.IsGenericType ? type.DeclaringType : type.DeclaringType!) + "." : type.Namespace is null ? "" : type.Namespace + ".";
            if (!type.IsGenericType)
            {
                return prefix + name;
            }

            // A nested type's generic arguments include its declaring type's; show only its own.
            Type[] arguments = type.GetGenericArguments();
            int inheritedCount = type.IsNested ? type.DeclaringType!.GetGenericArguments().Length : 0;
            Type[] own = arguments[inheritedCount..];
            return own.Length == 0 ? prefix + name : prefix + name + "<" + string.Join(", ", own.Select(TypeName)) + ">";
        }
    }
}
