using System;
using System.Collections.Generic;
using System.Net.Http.Headers;

namespace RouterGen.Proxy
{
    /// <summary>
    /// What went wrong with each upstream a request tried, kept to answer the client once every attempt has failed:
    /// when every upstream was rate-limited the answer is a 429 with the soonest <c>Retry-After</c> any of them gave (the
    /// earliest the client can expect one to take the request), not a 502 that tells it nothing about when to retry.
    /// </summary>
    internal sealed class AttemptFailures
    {
        private readonly List<string> _descriptions = new(1);
        private int _rateLimited;

        /// <summary>The failures as "model (reason)", in attempt order.</summary>
        public IReadOnlyList<string> Descriptions => _descriptions;

        /// <summary>True when at least one upstream was tried and every one answered 429.</summary>
        public bool AllRateLimited => _descriptions.Count > 0 && _rateLimited == _descriptions.Count;

        /// <summary>The soonest retry delay a rate-limited upstream asked for, in whole seconds; null when none gave one.</summary>
        public long? SoonestRetryAfterSeconds { get; private set; }

        /// <summary>Records a failure that was not a rate limit.</summary>
        public void Add(string description) => _descriptions.Add(description);

        /// <summary>Records a 429 and the upstream's <c>Retry-After</c> (delta seconds or an HTTP date), if it sent one.</summary>
        public void AddRateLimited(string description, RetryConditionHeaderValue? retryAfter, DateTimeOffset now)
        {
            _descriptions.Add(description);
            _rateLimited++;
            TimeSpan? delay = retryAfter?.Delta ?? (retryAfter?.Date is DateTimeOffset date ? date - now : null);
            if (delay is TimeSpan wait)
            {
                long seconds = Math.Max(0, (long)Math.Ceiling(wait.TotalSeconds));
                SoonestRetryAfterSeconds = SoonestRetryAfterSeconds is long known ? Math.Min(known, seconds) : seconds;
            }
        }
    }
}
