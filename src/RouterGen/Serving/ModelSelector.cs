using System;
using System.Globalization;
using RouterGen.Routing;

namespace RouterGen.Serving
{
    /// <summary>
    /// What a request's model name asks for, in the grammar the chat client and the proxy share: <c>auto</c> (or nothing)
    /// routes with the default preset, <c>auto:&lt;preset&gt;</c> with a preset of the profile,
    /// <c>auto:&lt;policy&gt;:&lt;knob&gt;</c> with an explicit knob (as RouteLLM's <c>router-mf-0.116</c>:
    /// <c>auto:cost-weighted:0.3</c>, <c>auto:shortfall:0.05</c>), and any other name pins that model.
    /// </summary>
    public readonly struct ModelSelector
    {
        /// <summary>The model name that asks for routing with the default preset.</summary>
        public const string Auto = "auto";

        private const string AutoPrefix = "auto:";

        private ModelSelector(string? preset, RoutingOptions? knob, string? pinnedModelId)
        {
            Preset = preset;
            Knob = knob;
            PinnedModelId = pinnedModelId;
        }

        /// <summary>The preset named by <c>auto:&lt;preset&gt;</c>, or null.</summary>
        public string? Preset { get; }

        /// <summary>The policy and knob named by <c>auto:&lt;policy&gt;:&lt;knob&gt;</c>, or null.</summary>
        public RoutingOptions? Knob { get; }

        /// <summary>The model id a request pinned, or null when it asked for routing.</summary>
        public string? PinnedModelId { get; }

        /// <summary>True when the request asked for routing (any <c>auto</c> form).</summary>
        public bool IsAuto => PinnedModelId is null;

        /// <summary>Parses a model name; null or empty means <c>auto</c>.</summary>
        /// <exception cref="RoutingRequestException">An <c>auto:</c> form is malformed (unknown policy, knob outside [0, 1]).</exception>
        public static ModelSelector Parse(string? model)
        {
            if (string.IsNullOrEmpty(model) || model == Auto)
            {
                return default;
            }

            if (!model.StartsWith(AutoPrefix, StringComparison.Ordinal))
            {
                return new ModelSelector(null, null, model);
            }

            string rest = model[AutoPrefix.Length..];
            int colon = rest.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                if (rest.Length == 0)
                {
                    throw new RoutingRequestException($"Model '{model}' names no preset after 'auto:'.", RoutingRequestError.UnknownPreset, "model");
                }

                return new ModelSelector(rest, null, null);
            }

            string policyName = rest[..colon];
            string knobText = rest[(colon + 1)..];
            if (!RoutingPolicyNames.TryParse(policyName, out RoutingPolicy policy))
            {
                throw new RoutingRequestException(
                    $"Model '{model}': '{policyName}' is not a policy ({RoutingPolicyNames.Expected}); use 'auto:<policy>:<knob>'.", RoutingRequestError.InvalidKnob, "model");
            }

            return new ModelSelector(null, new RoutingOptions(policy, ParseKnob(knobText, model)), null);
        }

        /// <summary>Checks a knob value: a finite number in [0, 1].</summary>
        /// <exception cref="RoutingRequestException">It is not.</exception>
        public static double ParseKnob(string text, string source)
        {
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double knob) || !(knob >= 0 && knob <= 1))
            {
                throw new RoutingRequestException($"'{source}': the knob must be a number in [0, 1], not '{text}'.", RoutingRequestError.InvalidKnob, "model");
            }

            return knob;
        }

        /// <summary>The model name that selects <paramref name="options"/>' policy and knob.</summary>
        public static string Format(in RoutingOptions options) =>
            string.Create(CultureInfo.InvariantCulture, $"{AutoPrefix}{RoutingPolicyNames.Format(options.Policy)}:{options.Knob:R}");
    }
}
