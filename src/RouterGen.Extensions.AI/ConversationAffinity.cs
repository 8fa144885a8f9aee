using System.Collections.Generic;
using RouterGen.Routing;

namespace RouterGen.Extensions.AI
{
    /// <summary>
    /// The model each recent conversation was routed to, bounded: the least recently used conversation is forgotten once
    /// the capacity is reached, so a long-running process does not grow without limit.
    /// </summary>
    internal sealed class ConversationAffinity
    {
        private readonly int _capacity;
        private readonly Dictionary<string, LinkedListNode<Entry>> _byKey = new(System.StringComparer.Ordinal);
        private readonly LinkedList<Entry> _recency = new();
        private readonly object _gate = new();

        public ConversationAffinity(int capacity)
        {
            _capacity = System.Math.Max(1, capacity);
        }

        public int Count
        {
            get
            {
                lock (_gate)
                {
                    return _byKey.Count;
                }
            }
        }

        public bool TryGet(string key, out RouteDecision decision, out int model)
        {
            lock (_gate)
            {
                if (_byKey.TryGetValue(key, out LinkedListNode<Entry>? node))
                {
                    _recency.Remove(node);
                    _recency.AddFirst(node);
                    decision = node.Value.Decision;
                    model = node.Value.Model;
                    return true;
                }
            }

            decision = default;
            model = -1;
            return false;
        }

        public void Set(string key, RouteDecision decision, int model)
        {
            lock (_gate)
            {
                if (_byKey.TryGetValue(key, out LinkedListNode<Entry>? node))
                {
                    _recency.Remove(node);
                    node.Value = new Entry(key, decision, model);
                    _recency.AddFirst(node);
                    return;
                }

                if (_byKey.Count >= _capacity)
                {
                    LinkedListNode<Entry> oldest = _recency.Last!;
                    _recency.RemoveLast();
                    _byKey.Remove(oldest.Value.Key);
                }

                _byKey[key] = _recency.AddFirst(new Entry(key, decision, model));
            }
        }

        private readonly record struct Entry(string Key, RouteDecision Decision, int Model);
    }
}
