using System;
using System.IO;
using RouterGen.Fitting;

namespace RouterGen.Cli
{
    /// <summary>
    /// Progress of fit and eval on the error stream: a redrawn bar on a terminal, plain lines (one per stage and per
    /// quarter) when the stream is redirected to a file or a CI log, where carriage returns would be noise.
    /// </summary>
    internal sealed class ConsoleProgress : IProgress<EvaluationProgress>
    {
        private const int BarWidth = 30;
        private readonly TextWriter _writer;
        private readonly bool _interactive;
        private readonly object _gate = new();
        private string _stage = "";
        private int _lastQuarter = -1;
        private bool _barOpen;

        public ConsoleProgress(TextWriter writer)
        {
            _writer = writer;
            _interactive = ReferenceEquals(writer, Console.Error) && !Console.IsErrorRedirected && !Console.IsOutputRedirected;
        }

        public void Report(EvaluationProgress value)
        {
            lock (_gate)
            {
                bool newStage = value.Stage != _stage;
                if (newStage)
                {
                    Finish();
                    _stage = value.Stage;
                    _lastQuarter = -1;
                }

                double fraction = value.Total > 0 ? Math.Clamp((double)value.Done / value.Total, 0, 1) : 0;
                if (_interactive)
                {
                    int filled = (int)(fraction * BarWidth);
                    _writer.Write($"\r{_stage,-22} [{new string('#', filled)}{new string('.', BarWidth - filled)}] {value.Done}/{value.Total}");
                    _barOpen = true;
                    return;
                }

                int quarter = (int)(fraction * 4);
                if (newStage || quarter > _lastQuarter)
                {
                    _lastQuarter = quarter;
                    _writer.WriteLine($"{_stage}: {value.Done}/{value.Total}");
                }
            }
        }

        /// <summary>Ends the current bar line.</summary>
        public void Finish()
        {
            lock (_gate)
            {
                if (_barOpen)
                {
                    _writer.WriteLine();
                    _barOpen = false;
                }
            }
        }
    }
}
