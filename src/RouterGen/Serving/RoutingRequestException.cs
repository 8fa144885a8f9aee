using System;

namespace RouterGen.Serving
{
    /// <summary>Why a request could not be turned into a route plan; each maps to one OpenAI-style error code.</summary>
    public enum RoutingRequestError
    {
        /// <summary>The request names a preset the profile does not have.</summary>
        UnknownPreset,

        /// <summary>The request's policy or knob is malformed.</summary>
        InvalidKnob,

        /// <summary>The request pins or allows a model that is not served.</summary>
        ModelNotFound,

        /// <summary>The request's allowed models leave nothing to route to.</summary>
        NoAllowedModel,

        /// <summary>No allowed model's expected cost is within the request's cost cap.</summary>
        CostCapExceeded,

        /// <summary>The request's number of nearest clusters to blend is not 1 to the router's cluster count.</summary>
        InvalidTopClusters,
    }

    /// <summary>A request that cannot be routed as asked, with the field at fault (the chat client's and the proxy's 400).</summary>
    public sealed class RoutingRequestException : ArgumentException
    {
        /// <summary>Creates the exception.</summary>
        public RoutingRequestException(string message, RoutingRequestError error, string field)
            : base(message, field)
        {
            Error = error;
            Field = field;
        }

        /// <summary>Creates the exception (for serializers; prefer the other constructor).</summary>
        public RoutingRequestException()
        {
            Field = "";
        }

        /// <summary>Creates the exception (for serializers; prefer the other constructor).</summary>
        public RoutingRequestException(string message)
            : base(message)
        {
            Field = "";
        }

        /// <summary>Creates the exception (for serializers; prefer the other constructor).</summary>
        public RoutingRequestException(string message, Exception innerException)
            : base(message, innerException)
        {
            Field = "";
        }

        /// <summary>What is wrong.</summary>
        public RoutingRequestError Error { get; }

        /// <summary>The request field at fault (for example <c>model</c>).</summary>
        public string Field { get; }

        /// <summary>The OpenAI-style error code of <see cref="Error"/>.</summary>
        public string Code => Error switch
        {
            RoutingRequestError.UnknownPreset => "unknown_preset",
            RoutingRequestError.InvalidKnob => "invalid_knob",
            RoutingRequestError.ModelNotFound => "model_not_found",
            RoutingRequestError.NoAllowedModel => "no_allowed_model",
            RoutingRequestError.InvalidTopClusters => "invalid_top_clusters",
            _ => "cost_cap_exceeded",
        };
    }
}
