using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Linq;

namespace RouterGen.Serving.Tests
{
    /// <summary>
    /// Every measurement of the instruments made by one <see cref="IMeterFactory"/> (one proxy host), captured in process
    /// with a <see cref="MeterListener"/>: other hosts in the same test process never add to it.
    /// </summary>
    internal sealed class MeterCapture : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<Measurement> _measurements = new();

        public MeterCapture(IMeterFactory scope)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, scope))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
            _listener.Start();
        }

        public IReadOnlyCollection<Measurement> Measurements => _measurements;

        /// <summary>The measurements of <paramref name="instrument"/> whose tags include every one given.</summary>
        public IEnumerable<Measurement> Of(string instrument, params (string Tag, object Value)[] tags) =>
            _measurements.Where(m => m.Instrument == instrument && tags.All(t => m.Tags.TryGetValue(t.Tag, out object? v) && Equals(v, t.Value)));

        public double Sum(string instrument, params (string Tag, object Value)[] tags) => Of(instrument, tags).Sum(m => m.Value);

        public void Dispose() => _listener.Dispose();

        private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                copy[tag.Key] = tag.Value;
            }

            _measurements.Enqueue(new Measurement(instrument.Meter.Name, instrument.Name, value, copy));
        }

        internal sealed record Measurement(string Meter, string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags);
    }
}
