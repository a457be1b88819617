using AudioOrchestrator.Audio;
using AudioOrchestrator.Testing;
using AudioOrchestrator.Testing.OpenAi;
using Microsoft.AspNetCore.Builder;

namespace AudioOrchestrator.Bench;

/// <summary>What acting costs and saves: preemptive answering, a faulty provider with a fallback, a local tool call.</summary>
public static class ActingProbe
{
    /// <summary>
    /// End of speech to first answer audio for live questions, with preemptive answering off and on (two services
    /// started in turn with the same engines); returns both lists of latencies.
    /// </summary>
    public static async Task<(List<double> Off, List<double> On)> PreemptiveAsync(
        Func<IReadOnlyDictionary<string, string?>, Task<WebApplication>> start, IReadOnlyList<PcmAudio> questions, int turns, CancellationToken ct)
    {
        var results = new Dictionary<int, List<double>>();
        foreach (var silence in new[] { 0, 200 })
        {
            await using var app = await start(new Dictionary<string, string?> { ["Speaker:Segmenter:PreemptiveSilenceMs"] = silence.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            var probe = new LiveTurnProbe(app.Services);
            var latencies = new List<double>();
            for (var i = -2; i < turns; i++)
            {
                var latency = await probe.MeasureAsync(questions[(i + questions.Count) % questions.Count], ct);
                if (i >= 0)
                {
                    latencies.Add(latency);
                }
            }

            results[silence] = latencies;
        }

        return (results[0], results[200]);
    }

    /// <summary>The model fails 30 % of the requests (seeded), a fallback answers; per turn: answered without an error, and end of input to first audio.</summary>
    public static async Task<(int Answered, List<double> FirstAudioMs)> FaultyProviderAsync(IServiceProvider services, FakeOpenAiServer primary, int turns, CancellationToken ct)
    {
        var random = new Random(30);
        primary.Respond = r => r.System.StartsWith("You sort requests", StringComparison.Ordinal)
            ? FakeChatReply.Say("general")
            : random.NextDouble() < 0.3
                ? new FakeChatReply { Status = random.Next(2) == 0 ? 500 : 429, Headers = new Dictionary<string, string> { ["retry-after"] = "1" } }
                : new FakeChatReply { Text = "Paris. It is the capital of France.", FirstTokenDelay = LlmProbe.TimeToFirstToken, TokensPerSecond = LlmProbe.TokensPerSecond };
        var probe = new TurnProbe(services);
        var question = TurnProbe.Packets(TestAudio.Concat(TestAudio.Silence(100), TestAudio.Tone(2100, 400), TestAudio.Silence(100)));
        var answered = 0;
        var firstAudio = new List<double>();
        for (var i = 0; i < turns; i++)
        {
            try
            {
                var m = await probe.MeasureAsync($"faulty-{Guid.NewGuid():N}", question, ct);
                firstAudio.Add(m.EndOfInputToFirstAnswerFrameMs);
                answered++;
            }
            catch (InvalidOperationException)
            {
                // a failed turn: counted as not answered
            }
        }

        return (answered, firstAudio);
    }

    /// <summary>The model calls the local time tool; the cost is the gap between its first response ending and its second request arriving.</summary>
    public static async Task<List<double>> ToolCallOverheadAsync(IServiceProvider services, FakeOpenAiServer model, int turns, CancellationToken ct)
    {
        model.Respond = r => r.System.StartsWith("You sort requests", StringComparison.Ordinal)
            ? FakeChatReply.Say("general")
            : r.Messages.Any(m => m.Role == "tool")
                ? FakeChatReply.Say("It is time.")
                : new FakeChatReply { ToolCalls = [new FakeToolCall("get_current_time", "{}")] };
        var probe = new TurnProbe(services);
        var question = TurnProbe.Packets(TestAudio.Concat(TestAudio.Silence(100), TestAudio.Tone(2100, 400), TestAudio.Silence(100)));
        var overhead = new List<double>();
        for (var i = -3; i < turns; i++)
        {
            var before = model.Requests.Count;
            await probe.MeasureAsync($"tool-{Guid.NewGuid():N}", question, ct);
            var asked = model.Requests.Skip(before).Where(r => !r.System.StartsWith("You sort requests", StringComparison.Ordinal)).ToArray();
            if (i >= 0 && asked.Length == 2 && asked[0].EndedAt is { } firstEnded)
            {
                overhead.Add((asked[1].ReceivedAt - firstEnded).TotalMilliseconds);
            }
        }

        return overhead;
    }
}
