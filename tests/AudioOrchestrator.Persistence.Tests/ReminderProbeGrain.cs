namespace AudioOrchestrator.Persistence.Tests;

/// <summary>A test-only grain with a reminder, to exercise the reminder service end to end.</summary>
public interface IReminderProbeGrain : IGrainWithStringKey
{
    Task RegisterAsync(string name, TimeSpan dueTime);

    Task UnregisterAsync(string name);

    Task<string[]> ListAsync();

    Task<int> GetTicksAsync();
}

public sealed class ReminderProbeGrain : Grain, IReminderProbeGrain, IRemindable
{
    private int _ticks;

    public Task RegisterAsync(string name, TimeSpan dueTime) => this.RegisterOrUpdateReminder(name, dueTime, TimeSpan.FromMinutes(1));

    public async Task UnregisterAsync(string name)
    {
        var reminder = await this.GetReminder(name);
        if (reminder is not null)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    public async Task<string[]> ListAsync() => [.. (await this.GetReminders()).Select(r => r.ReminderName)];

    public Task<int> GetTicksAsync() => Task.FromResult(_ticks);

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        _ticks++;
        return Task.CompletedTask;
    }
}
