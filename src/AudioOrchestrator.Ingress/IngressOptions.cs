using System.ComponentModel.DataAnnotations;

namespace AudioOrchestrator.Ingress;

/// <summary>The AudioIngress gateway's settings. Section <c>Ingress</c>.</summary>
public sealed class IngressOptions
{
    public const string SectionName = "Ingress";

    /// <summary>20 ms Opus frames per audio-in stream event (3-5 keeps the message rate low and latency small).</summary>
    [Range(1, 50)]
    public int FramesPerEvent { get; set; } = 4;

    /// <summary>Largest accepted WAV upload, in bytes.</summary>
    [Range(1024, 1L << 31)]
    public long MaxUploadBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Longest text of a text message (<c>POST .../messages</c>), in characters.</summary>
    [Range(1, 100_000)]
    public int MaxTextCharacters { get; set; } = 4000;

    /// <summary>
    /// How often this process renews its subscription to each open session's output relay (audio-out). A subscription
    /// lasts three periods, so a relay re-activated elsewhere (its silo died) is found again within one period, and the
    /// observer of a process that died is dropped within three.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan OutputRenewalPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long one short grain call of this process (an audio-in publish of an upload, an output subscription) may wait
    /// for its answer before it is made again (<c>ClusterCallRetry</c>). Such a call is answered in milliseconds; one
    /// without an answer was on its way to a silo that crashed, and would otherwise wait for Orleans' response timeout
    /// (30 s), because a client is not told when a silo dies. Keep it above the slowest answer of a busy silo.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:00:30")]
    public TimeSpan ClusterCallTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a session listened to here (a live socket, a Discord call, an events stream, an upload) may send this
    /// process nothing before its way out is checked (<c>SessionOutputHub.CheckRouteAsync</c>: the session publishes a
    /// probe; a relay activation that does not get it steps down). Orleans can run two activations of a session's relay
    /// for a while, the session publishing to one and this process subscribed to the other; a quiet session costs one
    /// probe per period. An upload's late answer checks sooner (<see cref="AnswerProbePeriod"/>).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan OutputRouteCheckAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often an upload waiting for its answers asks the grain that has it whether it does: the speaker until the
    /// recording was reported heard, then the session. An activation that never had it means the one that did died
    /// with its silo: the upload then answers 503 at once (<c>upload-cut</c> from the speaker, <c>turn-lost</c> from the
    /// session) instead of waiting for <see cref="TurnTimeout"/>. A long answer (a model thinking) is not cut.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan AnswerProbePeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How many times an upload cut by a silo going away (its speaker's activation went away with part of it) is sent
    /// again by this process before the client is answered 503 <c>upload-cut</c>. Only an upload none of whose turns was
    /// heard of is sent again (no turn can be answered twice); 0 turns the resending off.
    /// </summary>
    [Range(0, 5)]
    public int UploadCutResends { get; set; } = 2;

    /// <summary>How long an upload or a text message may wait for its answers.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:30:00")]
    public TimeSpan TurnTimeout { get; set; } = TimeSpan.FromSeconds(60);
}
