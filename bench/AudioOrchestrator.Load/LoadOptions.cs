using System.Globalization;

namespace AudioOrchestrator.Load;

/// <summary>The harness' command line.</summary>
/// <param name="Mode"><c>capacity</c> (default) or <c>soak</c>.</param>
/// <param name="Engines"><c>instant</c> (deterministic doubles) or <c>embedded</c> (pocketsphinx and espeak-ng).</param>
/// <param name="Start">Speakers of the first capacity step.</param>
/// <param name="Step">Speakers added per capacity step.</param>
/// <param name="StepSeconds">How long each capacity step is held (after its speakers joined).</param>
/// <param name="MinTurns">A capacity step is held longer (up to four times <paramref name="StepSeconds"/>) until this many turns were answered in it, so its p99 is not just its slowest turn.</param>
/// <param name="WarmUpSeconds">How long the first step's speakers talk before the first measured step (not judged; 0 skips it).</param>
/// <param name="MaxSpeakers">The ramp stops here even if real time still holds.</param>
/// <param name="Budget">The whole capacity run stops by itself after this.</param>
/// <param name="SoakMinutes">Soak length.</param>
/// <param name="SoakSpeakers">Soak speakers.</param>
/// <param name="LiveShare">Share of the speakers that are live WebSocket speakers (the rest are Discord users).</param>
/// <param name="MaxOverheadMs">A step holds only with turn overhead p99 at most this (the 20 ms).</param>
/// <param name="InProcess">Host the service in the harness' own process (tests); by default it runs in a child process so its CPU and memory are its own.</param>
internal sealed record LoadOptions(
    string Mode = "capacity",
    string Engines = "instant",
    int Start = 10,
    int Step = 10,
    int StepSeconds = 25,
    int MinTurns = 200,
    int WarmUpSeconds = 15,
    int MaxSpeakers = 400,
    TimeSpan? Budget = null,
    double SoakMinutes = 5,
    int SoakSpeakers = 100,
    double LiveShare = 0.5,
    double MaxOverheadMs = CapacityRamp.MaxOverheadMs,
    bool InProcess = false)
{
    public TimeSpan CapacityBudget => Budget ?? TimeSpan.FromMinutes(9.5);

    public static LoadOptions Parse(IReadOnlyList<string> args)
    {
        var options = new LoadOptions();
        for (var i = 0; i < args.Count; i++)
        {
            string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            options = args[i] switch
            {
                "capacity" or "soak" => options with { Mode = args[i] },
                "--engines" => options with { Engines = Next() is "instant" or "embedded" ? args[i] : throw new ArgumentException("--engines is instant or embedded") },
                "--start" => options with { Start = Positive(Next()) },
                "--step" => options with { Step = Positive(Next()) },
                "--step-seconds" => options with { StepSeconds = Positive(Next()) },
                "--min-turns" => options with { MinTurns = Positive(Next()) },
                "--warmup-seconds" => options with { WarmUpSeconds = int.Parse(Next(), CultureInfo.InvariantCulture) is >= 0 and var w ? w : throw new ArgumentException("--warmup-seconds is 0 or more") },
                "--max-speakers" => options with { MaxSpeakers = Positive(Next()) },
                "--budget-minutes" => options with { Budget = TimeSpan.FromMinutes(double.Parse(Next(), CultureInfo.InvariantCulture)) },
                "--minutes" => options with { SoakMinutes = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--speakers" => options with { SoakSpeakers = Positive(Next()) },
                "--live-share" => options with { LiveShare = Math.Clamp(double.Parse(Next(), CultureInfo.InvariantCulture), 0, 1) },
                "--max-overhead-ms" => options with { MaxOverheadMs = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--in-process" => options with { InProcess = true },
                _ => throw new ArgumentException($"unknown argument {args[i]}"),
            };
        }

        return options;
    }

    private static int Positive(string value)
    {
        var n = int.Parse(value, CultureInfo.InvariantCulture);
        return n > 0 ? n : throw new ArgumentException($"{value} is not a positive count");
    }
}
