using System.Collections.Concurrent;
using AudioOrchestrator.Discord;
using AudioOrchestrator.Discord.Gateway;
using AudioOrchestrator.Discord.Rest;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Ingress.Discord.Commands;

/// <summary>
/// Registers the slash commands at start-up (bulk overwrite: global, or per guild in <c>Discord:CommandGuildIds</c>;
/// idempotent, retried with backoff in the background) and answers every INTERACTION_CREATE of the shards off the
/// gateway's receive loop.
/// </summary>
public sealed partial class SlashCommandService : IHostedService, IAsyncDisposable
{
    private readonly DiscordShardManager _shards;
    private readonly SlashCommandHandler _handler;
    private readonly DiscordInteractionRestClient _rest;
    private readonly IOptions<DiscordCommandOptions> _options;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private Task _registration = Task.CompletedTask;

    /// <summary>Creates the service and subscribes to the shards' interactions at once (hosted services are all built before any starts, so none is missed).</summary>
    public SlashCommandService(
        DiscordShardManager shards,
        SlashCommandHandler handler,
        DiscordInteractionRestClient rest,
        IOptions<DiscordCommandOptions> options,
        TimeProvider clock,
        ILogger<SlashCommandService> logger)
    {
        _shards = shards ?? throw new ArgumentNullException(nameof(shards));
        _handler = handler ?? throw new ArgumentNullException(nameof(handler));
        _rest = rest ?? throw new ArgumentNullException(nameof(rest));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _clock = clock ?? throw new ArgumentNullException(nameof(clock));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _shards.InteractionCreated += OnInteraction;
    }

    /// <summary>Completes when the start-up registration has finished (successfully or not).</summary>
    public Task Registration => _registration;

    /// <summary>The commands Discord holds after the last successful registration (empty before).</summary>
    public IReadOnlyList<RegisteredApplicationCommand> Registered { get; private set; } = [];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options.Value.RegisterCommands)
        {
            _registration = Task.Run(() => RegisterAsync(_stopping.Token), CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _shards.InteractionCreated -= OnInteraction;
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll([_registration, .. _running.Keys]).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping: commands in flight were cancelled.
        }
    }

    public async ValueTask DisposeAsync()
    {
        _shards.InteractionCreated -= OnInteraction;
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    /// <summary>Registers the commands once (bulk overwrite); used at start-up with retries.</summary>
    public async Task<IReadOnlyList<RegisteredApplicationCommand>> RegisterOnceAsync(CancellationToken cancellationToken)
    {
        var settings = _options.Value;
        var applicationId = settings.ApplicationId ?? await _rest.GetApplicationIdAsync(cancellationToken).ConfigureAwait(false);
        if (settings.CommandGuildIds.Count == 0)
        {
            var registered = await _rest.OverwriteGlobalCommandsAsync(applicationId, SlashCommandCatalog.Definitions, cancellationToken).ConfigureAwait(false);
            LogRegistered(_logger, registered.Count, "global");
            return registered;
        }

        var all = new List<RegisteredApplicationCommand>();
        foreach (var guildId in settings.CommandGuildIds)
        {
            var registered = await _rest.OverwriteGuildCommandsAsync(applicationId, guildId, SlashCommandCatalog.Definitions, cancellationToken).ConfigureAwait(false);
            LogRegistered(_logger, registered.Count, "guild " + guildId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            all.AddRange(registered);
        }

        return all;
    }

    private async Task RegisterAsync(CancellationToken cancellationToken)
    {
        var attempts = _options.Value.RegistrationAttempts;
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            try
            {
                Registered = await RegisterOnceAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (DiscordRestException ex)
            {
                LogRegistrationFailed(_logger, ex, attempt, attempts);
                if (attempt == attempts || ex.Status is System.Net.HttpStatusCode.Unauthorized or System.Net.HttpStatusCode.Forbidden or System.Net.HttpStatusCode.BadRequest)
                {
                    return; // a configuration problem: retrying cannot help
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(60, 1 << attempt)), _clock, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void OnInteraction(object? sender, InteractionCreate interaction)
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        // Off the gateway's receive loop: the callback must reach Discord within 3 s whatever the gateway does.
        var task = Task.Run(() => HandleAsync(interaction), CancellationToken.None);
        _running.TryAdd(task, 0);
        _ = task.ContinueWith(t => _running.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task HandleAsync(InteractionCreate interaction)
    {
        try
        {
            await _handler.HandleAsync(interaction, _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    [LoggerMessage(EventId = 4730, Level = LogLevel.Information, Message = "Registered {Count} slash commands ({Scope})")]
    private static partial void LogRegistered(ILogger logger, int count, string scope);

    [LoggerMessage(EventId = 4731, Level = LogLevel.Error, Message = "Registering the slash commands failed (attempt {Attempt} of {Attempts})")]
    private static partial void LogRegistrationFailed(ILogger logger, Exception exception, int attempt, int attempts);
}
