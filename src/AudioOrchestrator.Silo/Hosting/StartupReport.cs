using AudioOrchestrator.Audio;
using AudioOrchestrator.Grains.Routing;
using AudioOrchestrator.Grains.Speakers;
using AudioOrchestrator.Speech;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Silo.Hosting;

/// <summary>Says at start-up which parts are embedded defaults, so nobody mistakes memory storage for durability.</summary>
public sealed partial class StartupReport(
    IOptions<OrleansHostingOptions> orleans,
    IServiceProvider services,
    VoiceActivityDetectors detectors,
    AgentCatalog agents,
    ILanguageModels models,
    IIntentClassifier classifier,
    ILogger<StartupReport> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Fail fast: a missing model or native library stops start-up with its own message.
        var speechToText = services.GetRequiredService<ISpeechToTextClient>();
        var textToSpeech = services.GetRequiredService<ITextToSpeechClient>();
        if (detectors.UsesSilero)
        {
            _ = services.GetRequiredService<SileroVadModel>(); // a missing or tampered model file stops start-up here
        }
        var o = orleans.Value;
        LogParts(logger, o.Clustering, o.GrainStorage, speechToText.GetType().Name, textToSpeech.GetType().Name);
        if (o.GrainStorage == GrainStorageKind.Memory)
        {
            LogMemoryStorage(logger);
        }

        foreach (var agent in agents.Agents.Where(a => a.UsesLanguageModel))
        {
            if (models.Describe(agent.Name) is { } model)
            {
                LogAgentModel(logger, agent.Name, model.Provider, model.Model, model.Endpoint);
            }
            else
            {
                LogAgentWithoutModel(logger, agent.Name);
            }
        }

        LogIntentClassifier(logger, classifier.UsesModel ? "the language model" : "keywords (no language model)");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Clustering: {Clustering}; grain storage: {Storage}; speech-to-text: {Stt}; text-to-speech: {Tts}")]
    private static partial void LogParts(ILogger logger, ClusteringKind clustering, GrainStorageKind storage, string stt, string tts);

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent {Agent}: language model {Model} ({Provider} at {Endpoint})")]
    private static partial void LogAgentModel(ILogger logger, string agent, string provider, string model, string endpoint);

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent {Agent}: no language model (Llm:Provider=None); it answers with its rule-based behaviour")]
    private static partial void LogAgentWithoutModel(ILogger logger, string agent);

    [LoggerMessage(Level = LogLevel.Information, Message = "Free speech that no phrase matches is classified by {Classifier}")]
    private static partial void LogIntentClassifier(ILogger logger, string classifier);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sessions are kept in MEMORY storage: they are lost when the service stops. Set Cluster:GrainStorage=AdoNet for PostgreSQL.")]
    private static partial void LogMemoryStorage(ILogger logger);
}
