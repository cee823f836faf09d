using DataMesh.Libp2p.Yamux;
using Microsoft.Extensions.Time.Testing;

namespace DataMesh.Libp2p.Tests.Yamux;

public sealed class FlowControlTests
{
    private const uint Initial = YamuxOptions.SpecInitialWindowSize;
    private static readonly TimeSpan Rtt = TimeSpan.FromMilliseconds(10);

    [Fact]
    public void DataBeyondTheCreditIsRefused()
    {
        var window = new ReceiveWindow(Initial, Initial * 4, new FakeTimeProvider());
        Assert.True(window.TryReceive(Initial - 1));
        Assert.False(window.TryReceive(2));
        Assert.True(window.TryReceive(1));
        Assert.Equal(0u, window.Credit);
        Assert.Equal(Initial, window.Buffered);
    }

    [Fact]
    public void UpdatesAreBatchedUntilHalfTheWindowIsConsumed()
    {
        var window = new ReceiveWindow(Initial, Initial, new FakeTimeProvider());
        Assert.True(window.TryReceive(Initial));
        window.Consume(Initial / 2 - 1);
        Assert.False(window.UpdateDue);
        Assert.Equal(0u, window.TakeUpdate(Rtt, force: false));
        window.Consume(1);
        Assert.True(window.UpdateDue);
        Assert.Equal(Initial / 2, window.TakeUpdate(Rtt, force: false));
        Assert.Equal(Initial / 2, window.Credit);
        Assert.Equal(Initial / 2, window.Buffered);
    }

    [Fact]
    public void ForcedUpdateAnnouncesALargerInitialWindow()
    {
        var window = new ReceiveWindow(Initial * 2, Initial * 2, new FakeTimeProvider());
        Assert.Equal(Initial, window.TakeUpdate(TimeSpan.Zero, force: true));
        Assert.Equal(Initial * 2, window.Credit);
    }

    [Fact]
    public void AReaderThatKeepsUpWithinFourRoundTripsDoublesTheWindowUpToTheMaximum()
    {
        var time = new FakeTimeProvider();
        var window = new ReceiveWindow(Initial, Initial * 3, time);
        uint[] expected = [Initial * 2, Initial * 3, Initial * 3];
        foreach (uint size in expected)
        {
            time.Advance(Rtt);
            uint credit = window.Credit;
            Assert.True(window.TryReceive(credit));
            window.Consume(credit);
            uint delta = window.TakeUpdate(Rtt, force: false);
            Assert.Equal(size, window.WindowSize);
            Assert.Equal(size, window.Credit);
            Assert.Equal(size, delta);
        }
    }

    [Fact]
    public void ASlowReaderKeepsTheWindow()
    {
        var time = new FakeTimeProvider();
        var window = new ReceiveWindow(Initial, Initial * 4, time);
        Assert.True(window.TryReceive(Initial));
        window.Consume(Initial);
        time.Advance(Rtt * 4);
        Assert.Equal(Initial, window.TakeUpdate(Rtt, force: false));
        Assert.Equal(Initial, window.WindowSize);
    }

    [Fact]
    public void UnknownRoundTripTimeDisablesAutoTuning()
    {
        var window = new ReceiveWindow(Initial, Initial * 4, new FakeTimeProvider());
        Assert.True(window.TryReceive(Initial));
        window.Consume(Initial);
        window.TakeUpdate(TimeSpan.Zero, force: false);
        Assert.Equal(Initial, window.WindowSize);
    }

    [Fact]
    public void GrowthIsLimitedByTheSessionBudgetAndReturnedToIt()
    {
        var time = new FakeTimeProvider();
        var budget = new YamuxWindowBudget(Initial);
        var first = new ReceiveWindow(Initial, Initial * 4, time, budget);
        var second = new ReceiveWindow(Initial, Initial * 4, time, budget);
        Grow(first);
        Grow(second);
        Assert.Equal(Initial * 2, first.WindowSize);
        Assert.Equal(Initial, second.WindowSize);
        Assert.Equal(Initial, budget.Used);

        first.ReleaseGrowth();
        Assert.Equal(0, budget.Used);
        Grow(second);
        Assert.Equal(Initial * 2, second.WindowSize);

        void Grow(ReceiveWindow window)
        {
            uint credit = window.Credit;
            Assert.True(window.TryReceive(credit));
            window.Consume(credit);
            window.TakeUpdate(Rtt, force: false);
        }
    }

    [Fact]
    public void ConsumingMoreThanBufferedIsAnInternalError()
    {
        var window = new ReceiveWindow(Initial, Initial, new FakeTimeProvider());
        Assert.True(window.TryReceive(10));
        Assert.Throws<InvalidOperationException>(() => window.Consume(11));
    }

    [Fact]
    public void SendWindowHandsOutAtMostTheGrantedCredit()
    {
        var window = new SendWindow();
        Assert.Equal(Initial, window.Available);
        Assert.Equal(1000, window.Take(1000));
        Assert.Equal((int)Initial - 1000, window.Take(int.MaxValue));
        Assert.Equal(0, window.Take(10));
        Assert.True(window.TryGrant(5));
        Assert.Equal(5, window.Take(10));
    }

    [Fact]
    public void SendWindowBeyondTwoToTheThirtyTwoIsAViolation()
    {
        var window = new SendWindow();
        Assert.False(window.TryGrant(uint.MaxValue));
    }
}
