using System.Collections.Concurrent;
using AudioOrchestrator.Contracts;
using AudioOrchestrator.Grains.Conversations;
using AudioOrchestrator.Speech;
using Microsoft.Extensions.DependencyInjection;

namespace AudioOrchestrator.Grains.Tests.Listening;

/// <summary>
/// The pipeline cluster with the wake and barge-in settings under test: Discord guild sessions need a wake phrase
/// (the default), guild <see cref="TranscriptOnlyGuild"/> confirms it on the transcript only, and a tone spotter
/// stands in for pocketsphinx.
/// </summary>
public sealed class ListeningCluster : PipelineCluster
{
    public const ulong WakeGuild = 111;
    public const ulong TranscriptOnlyGuild = 222;

    public ToneWakePhraseSpotter Spotter { get; } = new();

    protected override IReadOnlyDictionary<string, string?> SiloSettings { get; } = new Dictionary<string, string?>
    {
        [$"WakeWord:Guilds:{TranscriptOnlyGuild}:AcousticSpotting"] = "false",
        ["WakeWord:ConversationWindow"] = "00:00:30",
        ["BargeIn:MinSpeechMs"] = "400",
        ["BargeIn:ResumeAfterSilenceMs"] = "300",
    };

    /// <summary>What sessions hand to the turn archive (in process: the silo is in this process).</summary>
    public RecordingArchiveSink Archive { get; } = new();

    protected override void ConfigureSiloServices(IServiceCollection services)
    {
        services.AddSingleton<IWakePhraseSpotter>(Spotter);
        services.AddSingleton<ITurnArchiveSink>(Archive);
    }
}

/// <summary>Keeps what sessions hand to the archive, with amendments applied, as the archive would.</summary>
public sealed class RecordingArchiveSink : ITurnArchiveSink
{
    private readonly ConcurrentDictionary<(string Session, string Turn), ConversationTurn> _turns = new();

    /// <summary>The turn as the archive would have it now; null when it was never handed over.</summary>
    public ConversationTurn? Turn(string sessionId, string turnId) => _turns.GetValueOrDefault((sessionId, turnId));

    public void Committed(string sessionId, string? guildId, ConversationTurn turn) => _turns[(sessionId, turn.TurnId)] = turn;

    public void Interrupted(string sessionId, string turnId, string heardText)
    {
        if (_turns.TryGetValue((sessionId, turnId), out var turn))
        {
            _turns[(sessionId, turnId)] = turn with { Interrupted = true, ResponseText = heardText };
        }
    }

    public Task ForgetAsync(string sessionId, CancellationToken cancellationToken)
    {
        foreach (var key in _turns.Keys.Where(k => k.Session == sessionId))
        {
            _turns.TryRemove(key, out _);
        }

        return Task.CompletedTask;
    }
}
