using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Audio;

/// <summary>Plugs <see cref="UtteranceSegmenterOptions.Validate"/> into Microsoft.Extensions.Options.</summary>
public sealed class UtteranceSegmenterOptionsValidator : IValidateOptions<UtteranceSegmenterOptions>
{
    public ValidateOptionsResult Validate(string? name, UtteranceSegmenterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
