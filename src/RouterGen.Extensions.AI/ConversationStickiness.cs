using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Caching.Hybrid;
using RouterGen.Serving;

namespace RouterGen.Extensions.AI
{
    /// <summary>Where a conversation's route is remembered between its requests.</summary>
    internal abstract class ConversationStickiness
    {
        public abstract ValueTask<StickyRoute?> GetAsync(string key, CancellationToken cancellationToken);

        public abstract ValueTask SetAsync(string key, StickyRoute route, CancellationToken cancellationToken);
    }

    /// <summary>
    /// Stickiness in a <see cref="HybridCache"/>: with a distributed second level (Redis, SQL Server) every instance of the
    /// service sees the same conversation on the same model. Entries are strings (<see cref="StickyRoute.Format"/>), so no
    /// serializer needs to be registered.
    /// </summary>
    internal sealed class HybridCacheStickiness : ConversationStickiness
    {
        private const string KeyPrefix = "routergen:sticky:";

        // A lookup that misses must not store the miss: the first answered request writes the entry.
        private static readonly HybridCacheEntryOptions ReadOnly = new()
        {
            Flags = HybridCacheEntryFlags.DisableLocalCacheWrite | HybridCacheEntryFlags.DisableDistributedCacheWrite,
        };

        private readonly HybridCache _cache;
        private readonly HybridCacheEntryOptions _write;

        public HybridCacheStickiness(HybridCache cache, System.TimeSpan duration)
        {
            _cache = cache;
            _write = new HybridCacheEntryOptions { Expiration = duration, LocalCacheExpiration = duration };
        }

        public override async ValueTask<StickyRoute?> GetAsync(string key, CancellationToken cancellationToken)
        {
            string? text = await _cache.GetOrCreateAsync<string?>(KeyPrefix + key, static _ => ValueTask.FromResult<string?>(null), ReadOnly, cancellationToken: cancellationToken).ConfigureAwait(false);
            return StickyRoute.TryParse(text, out StickyRoute route) ? route : null;
        }

        public override ValueTask SetAsync(string key, StickyRoute route, CancellationToken cancellationToken) =>
            _cache.SetAsync(KeyPrefix + key, route.Format(), _write, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Stickiness in this process, bounded: the least recently used conversation is forgotten once the capacity is
    /// reached, so a long-running process does not grow without limit. Used when no <see cref="HybridCache"/> is given.
    /// </summary>
    internal sealed class InProcessStickiness : ConversationStickiness
    {
        private readonly int _capacity;
        private readonly Dictionary<string, LinkedListNode<KeyValuePair<string, StickyRoute>>> _byKey = new(System.StringComparer.Ordinal);
        private readonly LinkedList<KeyValuePair<string, StickyRoute>> _recency = new();
        private readonly Lock _gate = new();

        public InProcessStickiness(int capacity)
        {
            _capacity = System.Math.Max(1, capacity);
        }

        public override ValueTask<StickyRoute?> GetAsync(string key, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                if (_byKey.TryGetValue(key, out LinkedListNode<KeyValuePair<string, StickyRoute>>? node))
                {
                    _recency.Remove(node);
                    _recency.AddFirst(node);
                    return ValueTask.FromResult<StickyRoute?>(node.Value.Value);
                }
            }

            return ValueTask.FromResult<StickyRoute?>(null);
        }

        public override ValueTask SetAsync(string key, StickyRoute route, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                if (_byKey.TryGetValue(key, out LinkedListNode<KeyValuePair<string, StickyRoute>>? node))
                {
                    _recency.Remove(node);
                }
                else if (_byKey.Count >= _capacity)
                {
                    LinkedListNode<KeyValuePair<string, StickyRoute>> oldest = _recency.Last!;
                    _recency.RemoveLast();
                    _byKey.Remove(oldest.Value.Key);
                }

                _byKey[key] = _recency.AddFirst(new KeyValuePair<string, StickyRoute>(key, route));
            }

            return ValueTask.CompletedTask;
        }
    }
}
