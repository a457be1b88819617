namespace AudioOrchestrator.Silo.Security;

/// <summary>
/// Whether a service without keys serves requests: only once <see cref="OpenAccessGuard"/> has seen every listening
/// address is loopback (or <c>Auth:AllowAnonymous</c> is set). Until then, and when refused, requests get 401.
/// </summary>
public sealed class OpenAccess
{
    private volatile bool _granted;

    public bool IsGranted => _granted;

    internal void Grant() => _granted = true;
}
