using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.AI;

namespace RouterGen.Serving.Tests
{
    /// <summary>A scripted model: answers with its name, or fails as told; records every call.</summary>
    public sealed class FakeChatClient : IChatClient
    {
        public FakeChatClient(string name)
        {
            Name = name;
        }

        public string Name { get; }

        /// <summary>When set, every call throws this before producing anything.</summary>
        public Exception? FailWith { get; set; }

        /// <summary>When set, a stream yields this many updates and then throws.</summary>
        public int? StreamFailsAfter { get; set; }

        public ConcurrentQueue<(List<ChatMessage> Messages, ChatOptions? Options)> Calls { get; } = new();

        public int CallCount => Calls.Count;

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Calls.Enqueue((messages.ToList(), options));
            if (FailWith is not null)
            {
                throw FailWith;
            }

            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "answer from " + Name)) { ModelId = Name + "-2025" });
        }

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            Calls.Enqueue((messages.ToList(), options));
            await Task.Yield();
            if (FailWith is not null)
            {
                throw FailWith;
            }

            string[] words = ["answer ", "from ", Name];
            for (int i = 0; i < words.Length; i++)
            {
                if (StreamFailsAfter == i)
                {
                    throw new InvalidOperationException(Name + " broke mid-stream");
                }

                yield return new ChatResponseUpdate(ChatRole.Assistant, words[i]) { ModelId = Name + "-2025" };
            }
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
            Disposed = true;
        }

        public bool Disposed { get; private set; }
    }
}
