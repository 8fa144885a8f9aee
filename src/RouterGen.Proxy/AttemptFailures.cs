using System;
using System.Collections.Generic;
using System.Net.Http.Headers;

namespace RouterGen.Proxy
{
    /// <summary>
    /// What went wrong with each upstream a request tried, kept to answer the client once every attempt has failed:
    /// when every upstream was rate-limited the answer is a 429 with the soonest <c>Retry-After</c> any of them gave (the
    /// earliest the client can expect one to take the request), not a 502 that tells it nothing about when to retry; when
    /// every model's circuit was open it is a 503 with the soonest time one closes.
    /// </summary>
    internal sealed class AttemptFailures
    {
        private readonly List<string> _descriptions = new(1);
        private int _rateLimited;
        private int _circuitOpen;

        /// <summary>The failures as "model (reason)", in attempt order.</summary>
        public IReadOnlyList<string> Descriptions => _descriptions;

        /// <summary>True when at least one upstream was tried and every one answered 429 or was skipped with its circuit open.</summary>
        public bool AllRateLimited => _rateLimited > 0 && _rateLimited + _circuitOpen == _descriptions.Count;

        /// <summary>True when at least one model was considered and every one was skipped with its circuit open.</summary>
        public bool AllCircuitsOpen => _descriptions.Count > 0 && _circuitOpen == _descriptions.Count;

        /// <summary>True when the request's total time budget ran out.</summary>
        public bool TimedOut { get; set; }

        /// <summary>The soonest any unavailable model may take a request again, in whole seconds; null when none said.</summary>
        public long? SoonestRetryAfterSeconds { get; private set; }

        /// <summary>Records a failure that was not a rate limit.</summary>
        public void Add(string description) => _descriptions.Add(description);

        /// <summary>Records a 429 and the upstream's <c>Retry-After</c> (delta seconds or an HTTP date), if it sent one.</summary>
        public void AddRateLimited(string description, RetryConditionHeaderValue? retryAfter, DateTimeOffset now)
        {
            _descriptions.Add(description);
            _rateLimited++;
            if (retryAfter is not null && DelayOf(retryAfter, now) is TimeSpan wait)
            {
                Soonest(wait);
            }
        }

        /// <summary>Records a model left out because its circuit is open for <paramref name="remaining"/> more.</summary>
        public void AddCircuitOpen(string description, TimeSpan remaining)
        {
            _descriptions.Add(description);
            _circuitOpen++;
            Soonest(remaining);
        }

        /// <summary>The wait a <c>Retry-After</c> asks for (delta seconds, or an HTTP date less now); null when it has neither.</summary>
        public static TimeSpan? DelayOf(RetryConditionHeaderValue retryAfter, DateTimeOffset now) =>
            retryAfter.Delta ?? (retryAfter.Date is DateTimeOffset date ? (date > now ? date - now : TimeSpan.Zero) : null);

        private void Soonest(TimeSpan wait)
        {
            long seconds = Math.Max(0, (long)Math.Ceiling(wait.TotalSeconds));
            SoonestRetryAfterSeconds = SoonestRetryAfterSeconds is long known ? Math.Min(known, seconds) : seconds;
        }
    }
}
