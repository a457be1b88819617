using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Audio;

/// <summary>Plugs <see cref="SileroVadOptions.Validate"/> into Microsoft.Extensions.Options.</summary>
public sealed class SileroVadOptionsValidator : IValidateOptions<SileroVadOptions>
{
    public ValidateOptionsResult Validate(string? name, SileroVadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
