using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace DataMesh.Libp2p.Tests.Yamux;

/// <summary>Routes log lines to the xUnit test output, so a failing test shows what the session saw.</summary>
internal sealed class TestOutputLogger<T> : ILogger<T>
{
    private readonly ITestOutputHelper _output;
    private readonly string _name;

    public TestOutputLogger(ITestOutputHelper output, string name)
    {
        _output = output;
        _name = name;
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        try
        {
            _output.WriteLine($"[{_name}] {logLevel}: {formatter(state, exception)} {exception}");
        }
        catch (InvalidOperationException)
        {
            // The test already finished; late log lines have nowhere to go.
        }
    }
}
