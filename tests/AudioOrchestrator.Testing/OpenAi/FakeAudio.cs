namespace AudioOrchestrator.Testing.OpenAi;

/// <summary>A transcription request as the fake server received it (multipart form of <c>/audio/transcriptions</c>).</summary>
/// <param name="Path">Request path (tells OpenAI from Azure deployments).</param>
/// <param name="Model">The <c>model</c> field (absent on Azure, where the deployment is in the path).</param>
/// <param name="Language">The <c>language</c> field, if sent.</param>
/// <param name="ResponseFormat">The <c>response_format</c> field, if sent (the server's default is <c>json</c>).</param>
/// <param name="FileName">The uploaded file's name.</param>
/// <param name="Audio">The uploaded file's bytes.</param>
/// <param name="Authorization">The Authorization header (OpenAI).</param>
/// <param name="ApiKey">The api-key header (Azure OpenAI).</param>
/// <param name="Stream">The <c>stream</c> field was <c>true</c>: the transcript is wanted as server-sent events.</param>
public sealed record FakeTranscriptionRequest(string Path, string? Model, string? Language, string? ResponseFormat, string? FileName, byte[] Audio, string? Authorization, string? ApiKey, bool Stream = false);

/// <summary>A speech request as the fake server received it (JSON body of <c>/audio/speech</c>).</summary>
public sealed record FakeSpeechRequest(string Path, string? Model, string Input, string? Voice, string? ResponseFormat, double? Speed, string? Authorization, string? ApiKey)
{
    private long _firstByte;

    /// <summary>When the first audio byte was written (a <see cref="System.Diagnostics.Stopwatch"/> timestamp), or 0.</summary>
    public long FirstByteTimestamp => Interlocked.Read(ref _firstByte);

    internal void MarkFirstByte() => Interlocked.CompareExchange(ref _firstByte, System.Diagnostics.Stopwatch.GetTimestamp(), 0);

    /// <summary>True once the whole body was written.</summary>
    public bool Finished { get; internal set; }
}

/// <summary>How the fake server answers an audio request.</summary>
public sealed record FakeAudioReply
{
    /// <summary>The transcript (formatted as the request's <c>response_format</c> asks).</summary>
    public string? Transcript { get; init; }

    /// <summary>A body sent as it is instead (e.g. HTML, an empty body, a 200 carrying an error).</summary>
    public byte[]? RawBody { get; init; }

    /// <summary>Content type of <see cref="RawBody"/>.</summary>
    public string RawContentType { get; init; } = "text/html";

    /// <summary>HTTP status; anything but 200 without a raw body sends an OpenAI error body.</summary>
    public int Status { get; init; } = 200;

    /// <summary>Send nothing (not even headers) until the client gives up.</summary>
    public bool StallBeforeHeaders { get; init; }

    /// <summary>A pause before each piece of a chunked speech body or each event of a streamed transcript after the first.</summary>
    public TimeSpan PieceDelay { get; init; }

    /// <summary>Speech: after the first piece of the body, wait for this before sending the rest (a model still speaking).</summary>
    public Task? RestOfBody { get; init; }

    /// <summary>Speech: end the body (normally) after this many bytes, e.g. inside an Ogg page.</summary>
    public int? CutAfterBytes { get; init; }

    /// <summary>Extra response headers, e.g. <c>retry-after</c>.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>Answers a transcription with <paramref name="text"/>.</summary>
    public static FakeAudioReply Transcribed(string text) => new() { Transcript = text };

    /// <summary>Answers with an OpenAI error of <paramref name="status"/>.</summary>
    public static FakeAudioReply Error(int status) => new() { Status = status };

    /// <summary>Never answers.</summary>
    public static FakeAudioReply Stall() => new() { StallBeforeHeaders = true };

    /// <summary>Answers 200 with <paramref name="body"/> as it is.</summary>
    public static FakeAudioReply Raw(string body, string contentType = "text/html") =>
        new() { RawBody = System.Text.Encoding.UTF8.GetBytes(body), RawContentType = contentType };
}
