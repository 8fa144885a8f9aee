using System;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace RouterGen.Generator
{
    /// <summary>A profile file's path and text: the first pipeline stage, reduced from AdditionalText to plain strings.</summary>
    internal sealed class ProfileSource : IEquatable<ProfileSource>
    {
        public ProfileSource(string path, string text)
        {
            Path = path;
            Text = text;
        }

        public string Path { get; }

        public string Text { get; }

        public bool Equals(ProfileSource? other) => other != null && Path == other.Path && Text == other.Text;

        public override bool Equals(object? obj) => Equals(obj as ProfileSource);

        public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Path) ^ Text.Length;
    }

    /// <summary>A diagnostic as equatable data; the Location is rebuilt from path and spans when reported.</summary>
    internal sealed class DiagnosticInfo : IEquatable<DiagnosticInfo>
    {
        public DiagnosticInfo(string id, string message, string path, int start, int length, int line, int column, int endLine, int endColumn)
        {
            Id = id;
            Message = message;
            Path = path;
            Start = start;
            Length = length;
            Line = line;
            Column = column;
            EndLine = endLine;
            EndColumn = endColumn;
        }

        public string Id { get; }

        public string Message { get; }

        public string Path { get; }

        public int Start { get; }

        public int Length { get; }

        /// <summary>1-based, as the profile reader reports.</summary>
        public int Line { get; }

        /// <summary>1-based.</summary>
        public int Column { get; }

        public int EndLine { get; }

        public int EndColumn { get; }

        public Diagnostic ToDiagnostic()
        {
            // Roslyn's line spans are 0-based.
            var lineSpan = new LinePositionSpan(new LinePosition(Math.Max(0, Line - 1), Math.Max(0, Column - 1)), new LinePosition(Math.Max(0, EndLine - 1), Math.Max(0, EndColumn - 1)));
            Location location = Location.Create(Path, new TextSpan(Start, Length), lineSpan);
            return Diagnostic.Create(RouterDiagnostics.ForId(Id), location, Message);
        }

        public bool Equals(DiagnosticInfo? other) =>
            other != null && Id == other.Id && Message == other.Message && Path == other.Path && Start == other.Start &&
            Length == other.Length && Line == other.Line && Column == other.Column && EndLine == other.EndLine && EndColumn == other.EndColumn;

        public override bool Equals(object? obj) => Equals(obj as DiagnosticInfo);

        public override int GetHashCode() => (Id.GetHashCode() * 31) ^ Start ^ (Line << 8);
    }

    /// <summary>What one profile generates: a source file (when valid) and its diagnostics. Plain, equatable data.</summary>
    internal sealed class RouterOutput : IEquatable<RouterOutput>
    {
        public RouterOutput(string profilePath, string? fullClassName, string? hintName, string? source, DiagnosticInfo? nameLocation, EquatableArray<DiagnosticInfo> diagnostics)
        {
            ProfilePath = profilePath;
            FullClassName = fullClassName;
            HintName = hintName;
            Source = source;
            NameLocation = nameLocation;
            Diagnostics = diagnostics;
        }

        public string ProfilePath { get; }

        public string? FullClassName { get; }

        public string? HintName { get; }

        public string? Source { get; }

        /// <summary>Where the profile's "name" value is, for the duplicate-class diagnostic (message unused).</summary>
        public DiagnosticInfo? NameLocation { get; }

        public EquatableArray<DiagnosticInfo> Diagnostics { get; }

        public bool Equals(RouterOutput? other) =>
            other != null && ProfilePath == other.ProfilePath && FullClassName == other.FullClassName && HintName == other.HintName &&
            Source == other.Source && Equals(NameLocation, other.NameLocation) && Diagnostics.Equals(other.Diagnostics);

        public override bool Equals(object? obj) => Equals(obj as RouterOutput);

        public override int GetHashCode() => (ProfilePath.GetHashCode() * 31) ^ (Source?.Length ?? 0);
    }
}
