using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using AudioOrchestrator.Dave.Session;
using AudioOrchestrator.Discord.Voice.Crypto;
using Microsoft.Extensions.Logging;

namespace AudioOrchestrator.Discord.Voice;

/// <summary>
/// The session messages of the voice gateway, handed on by the <see cref="VoiceControlSocket"/>: Ready (UDP, IP
/// discovery, Select Protocol), Session Description (keys, DAVE version, start of the UDP loops, then
/// <see cref="Ready"/>), Speaking (SSRC → user), Clients Connect/Disconnect and the DAVE messages (ops 21–30).
/// </summary>
internal sealed partial class VoiceSessionHandler : IVoiceControlHandler
{
    private readonly VoiceJoinInfo _join;
    private readonly VoiceEncryptionMode? _preferredMode;
    private readonly VoiceControlSocket _control;
    private readonly VoiceUdpTransport _transport;
    private readonly VoiceUdpReceiver _receiver;
    private readonly VoiceDaveChannel? _dave;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Handles the session messages of <paramref name="control"/>; <paramref name="dave"/> is null when DAVE is off.</summary>
    public VoiceSessionHandler(VoiceJoinInfo join, VoiceEncryptionMode? preferredMode, VoiceControlSocket control, VoiceUdpTransport transport, VoiceUdpReceiver receiver, VoiceDaveChannel? dave, ILogger logger)
    {
        _join = join;
        _preferredMode = preferredMode;
        _control = control;
        _transport = transport;
        _receiver = receiver;
        _dave = dave;
        _logger = logger;
    }

    /// <summary>Completes once the first Session Description has been handled.</summary>
    public Task Ready => _ready.Task;

    /// <summary>The DAVE protocol version of the Session Description (0 = transport encryption only, or DAVE off).</summary>
    public int DaveProtocolVersion { get; private set; }

    /// <inheritdoc/>
    public bool CanResume => _transport.Ssrc != 0;

    /// <inheritdoc/>
    public async Task OnMessageAsync(int op, JsonElement data, ReadOnlyMemory<byte> message)
    {
        switch (op)
        {
            case 2:
                await OnReadyAsync(data).ConfigureAwait(false);
                break;
            case 4:
                OnSessionDescription(data);
                if (_dave is not null)
                {
                    await _dave.OnSelectProtocolAckAsync(DaveProtocolVersion, _control.Lifetime).ConfigureAwait(false);
                }

                _ready.TrySetResult();
                break;
            case 5:
                var user = ulong.Parse(data.GetProperty("user_id").GetString()!, CultureInfo.InvariantCulture);
                var ssrc = data.GetProperty("ssrc").GetUInt32();
                _receiver.Map(ssrc, user);
                LogSpeakingMapped(_join.GuildId, ssrc, user);
                break;
            case 11:
                var users = data.GetProperty("user_ids").EnumerateArray()
                    .Select(u => ulong.Parse(u.GetString()!, CultureInfo.InvariantCulture)).ToArray();
                _dave?.OnClientsConnect(users);
                break;
            case 13:
                var gone = ulong.Parse(data.GetProperty("user_id").GetString()!, CultureInfo.InvariantCulture);
                _receiver.Unmap(gone);
                _dave?.OnClientDisconnect(gone);
                break;
            case 21 or 22 or 24:
                if (_dave is not null)
                {
                    await _dave.HandleJsonAsync(message.ToArray(), _control.Lifetime).ConfigureAwait(false);
                }

                break;
            default:
                break;
        }
    }

    /// <inheritdoc/>
    public async Task OnBinaryAsync(byte[] message)
    {
        if (_dave is not null && message[2] is >= 25 and <= 30)
        {
            await _dave.HandleBinaryAsync(message, _control.Lifetime).ConfigureAwait(false);
        }
    }

    private async Task OnReadyAsync(JsonElement d)
    {
        var ssrc = d.GetProperty("ssrc").GetUInt32();
        _transport.Ssrc = ssrc;
        var ip = d.GetProperty("ip").GetString()!;
        var port = d.GetProperty("port").GetInt32();
        var modes = d.GetProperty("modes").EnumerateArray().Select(m => m.GetString() ?? string.Empty).ToArray();
        var mode = VoiceEncryptionModes.Choose(modes, _preferredMode)
            ?? throw new InvalidOperationException("The voice server offers no supported encryption mode.");
        LogReady(_join.GuildId, ssrc, ip, port, mode.ToWireName());

        var external = await _transport.ConnectAsync(new IPEndPoint(IPAddress.Parse(ip), port), _control.Lifetime).ConfigureAwait(false);
        LogDiscovered(_join.GuildId, external.ToString());
        await _control.SendJsonAsync(1, w =>
        {
            w.WriteString("protocol", "udp");
            w.WriteStartObject("data");
            w.WriteString("address", external.Address.ToString());
            w.WriteNumber("port", external.Port);
            w.WriteString("mode", mode.ToWireName());
            w.WriteEndObject();
        }, _control.Lifetime).ConfigureAwait(false);
    }

    private void OnSessionDescription(JsonElement d)
    {
        if (!VoiceEncryptionModes.TryParse(d.GetProperty("mode").GetString(), out var mode))
        {
            throw new InvalidOperationException("Unsupported mode in Session Description.");
        }

        var keyElement = d.GetProperty("secret_key");
        Span<byte> key = stackalloc byte[VoiceTransportCipher.KeyLength];
        var i = 0;
        foreach (var b in keyElement.EnumerateArray())
        {
            if (i >= key.Length)
            {
                throw new InvalidOperationException("secret_key is too long.");
            }

            key[i++] = b.GetByte();
        }

        if (i != key.Length)
        {
            throw new InvalidOperationException("secret_key is too short.");
        }

        var version = d.TryGetProperty("dave_protocol_version", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : 0;
        DaveProtocolVersion = _dave is null ? 0 : Math.Min(version, DaveSession.MaxProtocolVersion);
        var first = _transport.SetKey(mode, key);
        CryptographicOperations.ZeroMemory(key);
        LogSessionDescription(_join.GuildId, mode.ToWireName(), DaveProtocolVersion);
        if (first)
        {
            _receiver.StartReceiving(_control.Lifetime);
            _transport.StartKeepAlive(_control.Lifetime);
        }
    }

    [LoggerMessage(EventId = 4201, Level = LogLevel.Debug, Message = "Voice {GuildId}: ready, ssrc {Ssrc}, udp {Ip}:{Port}, mode {Mode}")]
    private partial void LogReady(ulong guildId, uint ssrc, string ip, int port, string mode);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Debug, Message = "Voice {GuildId}: external endpoint {Endpoint}")]
    private partial void LogDiscovered(ulong guildId, string endpoint);

    [LoggerMessage(EventId = 4203, Level = LogLevel.Information, Message = "Voice {GuildId}: session description, mode {Mode}, DAVE version {DaveVersion}")]
    private partial void LogSessionDescription(ulong guildId, string mode, int daveVersion);

    [LoggerMessage(EventId = 4204, Level = LogLevel.Debug, Message = "Voice {GuildId}: ssrc {Ssrc} is user {UserId}")]
    private partial void LogSpeakingMapped(ulong guildId, uint ssrc, ulong userId);
}
