using AudioOrchestrator.Contracts;
using Microsoft.AspNetCore.Http;

namespace AudioOrchestrator.Ingress.Live;

/// <summary>
/// What a live socket asks for (<c>/api/v1/sessions/{sessionId}/live?speaker={name}[&amp;wake=required|off]</c> with
/// subprotocol <c>pcm16</c> or <c>opus</c>), checked: a bad one is refused with the close to send after accepting
/// (a browser cannot read an HTTP error body of a WebSocket request).
/// </summary>
public sealed record LiveVoiceRequest(SpeakerRef Speaker, LiveAudioFormat Format, SessionWake Wake)
{
    public const string SpeakerParameter = "speaker";
    public const string WakeParameter = "wake";

    /// <summary>The subprotocols offered in order of preference, as the server looks for one it speaks.</summary>
    public static LiveAudioFormat? ChooseFormat(IEnumerable<string> offered) =>
        offered.Select(LiveAudioFormat.FromSubprotocol).FirstOrDefault(f => f is not null);

    /// <summary>The request, or why it is refused.</summary>
    public static (LiveVoiceRequest? Request, LiveClose? Refusal) Parse(string sessionId, IQueryCollection query, LiveAudioFormat? format)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (format is null)
        {
            return (null, LiveClose.Policy("subprotocol must be pcm16 or opus (Sec-WebSocket-Protocol)"));
        }

        if (!Identifiers.IsValid(sessionId))
        {
            return (null, LiveClose.Policy("invalid session id: 1-128 of A-Z a-z 0-9 _ . : -"));
        }

        var unknown = query.Keys.Where(k => k is not SpeakerParameter and not WakeParameter).ToArray();
        if (unknown.Length > 0)
        {
            return (null, LiveClose.Policy($"unknown query parameter '{Cut(unknown[0])}'; this endpoint takes speaker, wake"));
        }

        var speakers = query[SpeakerParameter];
        if (speakers.Count != 1 || !Identifiers.IsValid(speakers[0]))
        {
            return (null, LiveClose.Policy("speaker must be given once: 1-128 of A-Z a-z 0-9 _ . : -"));
        }

        var wakes = query[WakeParameter];
        SessionWake? wake = wakes.Count switch
        {
            0 => SessionWake.Default,
            1 => wakes[0] switch
            {
                "required" => SessionWake.Required,
                "off" => SessionWake.Off,
                "default" => SessionWake.Default,
                _ => null,
            },
            _ => null,
        };
        if (wake is null)
        {
            return (null, LiveClose.Policy("wake is required, off or default"));
        }

        return (new LiveVoiceRequest(new SpeakerRef(sessionId, speakers[0]!), format, wake.Value), null);
    }

    /// <summary>The wake value as the <c>ready</c> event names it.</summary>
    public string WakeName => Wake switch
    {
        SessionWake.Required => "required",
        SessionWake.Off => "off",
        _ => "default",
    };

    private static string Cut(string text) => text.Length <= 32 ? text : text[..32] + "...";
}
