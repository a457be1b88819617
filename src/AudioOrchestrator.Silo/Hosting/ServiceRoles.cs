using Microsoft.Extensions.Options;

namespace AudioOrchestrator.Silo.Hosting;

/// <summary>Picks the setup of the configured <c>Cluster:Role</c>.</summary>
internal static class ServiceRoles
{
    /// <summary>The role's setup; an unknown role stops start-up here, before anything is composed for it.</summary>
    public static IServiceRoleSetup For(OrleansHostingOptions cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        return cluster.Role switch
        {
            OrleansHostingOptions.SiloRole => new SiloRoleSetup(),
            OrleansHostingOptions.IngressRole => new IngressRoleSetup(),
            _ => throw new OptionsValidationException(
                OrleansHostingOptions.SectionName,
                typeof(OrleansHostingOptions),
                [$"Cluster:Role '{cluster.Role}' is not a role: use '{OrleansHostingOptions.SiloRole}' (the default: silo, ingress and REST API in one process) or '{OrleansHostingOptions.IngressRole}' (an Orleans client of an existing cluster running the transports and the REST API)."]),
        };
    }
}
