using System.Diagnostics;

namespace AudioOrchestrator.Ingress;

/// <summary>The ingress' activity source (the same name as the grains', so one listener sees both).</summary>
public static class IngressTelemetry
{
    public const string ActivitySourceName = "AudioOrchestrator.Ingress";

    public static readonly ActivitySource ActivitySource = new(ActivitySourceName);
}
