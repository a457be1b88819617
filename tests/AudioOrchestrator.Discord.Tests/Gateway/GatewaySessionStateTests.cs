using AudioOrchestrator.Discord.Gateway;

namespace AudioOrchestrator.Discord.Tests.Gateway;

public sealed class GatewaySessionStateTests
{
    [Fact]
    public void A_resume_needs_a_session_its_url_and_a_sequence()
    {
        var session = new GatewaySession();
        Assert.Null(session.ResumePoint);

        session.Start(new GatewayReady(0, "s1", new Uri("wss://resume.example/"), 42, []));
        Assert.Null(session.ResumePoint);

        session.Observe(1);
        session.Observe(5);
        Assert.Equal(new GatewayResumePoint("s1", new Uri("wss://resume.example/"), 5), session.ResumePoint);
        Assert.Equal(42UL, session.UserId);
    }

    [Fact]
    public void Clearing_forgets_the_session_but_not_who_the_bot_is()
    {
        var session = new GatewaySession();
        session.Start(new GatewayReady(0, "s1", new Uri("wss://resume.example/"), 42, []));
        session.Observe(9);

        session.Clear();

        Assert.Null(session.ResumePoint);
        Assert.Null(session.Id);
        Assert.Null(session.ResumeUrl);
        Assert.Null(session.Sequence);
        Assert.Equal(42UL, session.UserId);
    }
}
