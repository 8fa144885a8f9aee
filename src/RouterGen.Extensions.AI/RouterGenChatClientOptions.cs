using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.AI;
using RouterGen.Routing;
using RouterGen.Serving;

namespace RouterGen.Extensions.AI
{
    /// <summary>
    /// Settings of a <see cref="RouterGenChatClient"/>. The plain properties bind from configuration
    /// (<c>services.Configure&lt;RouterGenChatClientOptions&gt;(configuration.GetSection("RouterGen"))</c>); the delegates
    /// and <see cref="Cascade"/> are set in code.
    /// </summary>
    public sealed class RouterGenChatClientOptions
    {
        /// <summary>
        /// Preset used when a request names none (see <see cref="ChatRoutingExtensions.WithRoutingPreset"/>). When null, the
        /// profile's first preset applies, as in the proxy (see <see cref="RoutingRequest.DefaultPreset"/>).
        /// </summary>
        public string? DefaultPreset { get; set; }

        /// <summary>
        /// How many nearest clusters blend their statistics when a request does not say (see
        /// <see cref="ChatRoutingExtensions.WithTopClusters"/> and <see cref="RoutingOptions.TopClusters"/>): 1 to the router's
        /// cluster count. When null, the profile's default applies (1, or a soft-cluster profile's <c>topClusters</c>).
        /// </summary>
        public int? TopClusters { get; set; }

        /// <summary>
        /// Most model calls per request, the first included: when a call throws, the next-ranked allowed model is tried until
        /// this many calls were made. 1 disables fallback.
        /// </summary>
        public int MaxAttempts { get; set; } = 3;

        /// <summary>
        /// Decides whether a failed call may be retried on another model. By default every exception is retried except the
        /// caller's own cancellation.
        /// </summary>
        public Func<Exception, bool>? ShouldFallback { get; set; }

        /// <summary>
        /// When set, non-streaming requests run as a FrugalGPT cascade: the cheap choice first, escalating to a model with
        /// higher expected quality while the check rejects the answer.
        /// </summary>
        public ChatCascade? Cascade { get; set; }

        /// <summary>
        /// Route once per conversation: the first request of a conversation is routed on its text and later requests with
        /// the same conversation key reuse that model (while the request's routing options stay the same), so a multi-turn
        /// chat does not bounce between models.
        /// </summary>
        public bool StickyConversations { get; set; }

        /// <summary>
        /// Extracts the conversation key of a request for <see cref="StickyConversations"/>. The default is
        /// <see cref="ChatOptions.ConversationId"/>; requests without a key are routed individually.
        /// </summary>
        public Func<ChatOptions?, string?>? ConversationKey { get; set; }

        /// <summary>
        /// Most conversations remembered in this process when no <see cref="Microsoft.Extensions.Caching.Hybrid.HybridCache"/>
        /// is given; the least recently used is forgotten first.
        /// </summary>
        public int StickyConversationCapacity { get; set; } = 10_000;

        /// <summary>How long a conversation's route is remembered in a <see cref="Microsoft.Extensions.Caching.Hybrid.HybridCache"/>.</summary>
        public TimeSpan StickyConversationDuration { get; set; } = TimeSpan.FromHours(1);
    }

    /// <summary>
    /// A FrugalGPT-style cascade: call the cheap model first and escalate only when a caller-supplied check rejects its
    /// answer. Each escalation goes to the model the request's own routing options prefer among the allowed models whose
    /// expected quality in the cluster is strictly higher than every model tried so far.
    /// </summary>
    public sealed class ChatCascade
    {
        /// <summary>Creates a cascade.</summary>
        /// <param name="accept">Returns true to keep a response, false to escalate.</param>
        public ChatCascade(Func<ChatCascadeStep, CancellationToken, ValueTask<bool>> accept)
        {
            ArgumentNullException.ThrowIfNull(accept);
            Accept = accept;
        }

        /// <summary>The check: true keeps the response, false escalates.</summary>
        public Func<ChatCascadeStep, CancellationToken, ValueTask<bool>> Accept { get; }

        /// <summary>Options that pick the first (cheap) model; by default the cheapest model of the cluster (cost weight 1).</summary>
        public RoutingOptions FirstStep { get; set; } = RoutingOptions.CostWeighted(1);

        /// <summary>Most models called, the first included. The last one's answer is returned even when rejected.</summary>
        public int MaxSteps { get; set; } = 2;
    }

    /// <summary>One answer a cascade's check judges.</summary>
    public sealed class ChatCascadeStep
    {
        internal ChatCascadeStep(ChatResponse response, RoutedChatDecision decision, int step)
        {
            Response = response;
            Decision = decision;
            Step = step;
        }

        /// <summary>The model's answer.</summary>
        public ChatResponse Response { get; }

        /// <summary>Which model gave it and what the profile expects of it.</summary>
        public RoutedChatDecision Decision { get; }

        /// <summary>1 for the cheap first call, 2 for the first escalation, and so on.</summary>
        public int Step { get; }
    }
}
