using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AudioOrchestrator.Silo.Health;

/// <summary>
/// The body of a health endpoint: <c>Healthy</c> alone when all is well (what probes and scripts compare), otherwise the
/// status followed by one line per failing check with what is wrong, so an operator reading <c>/health/ready</c> sees
/// e.g. which model file is missing.
/// </summary>
public static class HealthReportText
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(report);
        context.Response.ContentType = "text/plain; charset=utf-8";
        var text = new StringBuilder(report.Status.ToString());
        foreach (var (name, entry) in report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy).OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            text.Append('\n').Append(name).Append(": ").Append(entry.Status).Append(": ").Append(entry.Description ?? entry.Exception?.Message ?? "no description");
        }

        return context.Response.WriteAsync(text.ToString(), context.RequestAborted);
    }
}
