using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace DataMesh.TestKit;

/// <summary>Waits for something to happen instead of sleeping a fixed time and hoping it did: polls a condition until it
/// holds. The timeout only bounds a test that would otherwise hang, so it is generous for a slow, loaded machine; a
/// fast machine returns as soon as the condition holds.</summary>
public static class Polling
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(10);

    /// <summary>Returns once <paramref name="condition"/> holds; throws a <see cref="TimeoutException"/> naming the
    /// condition (its source text) when it still does not after <paramref name="timeout"/> (default 30 s).</summary>
    public static Task WaitUntilAsync(
        Func<bool> condition,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default,
        [CallerArgumentExpression(nameof(condition))] string awaited = "")
    {
        ArgumentNullException.ThrowIfNull(condition);
        return WaitUntilAsync(() => Task.FromResult(condition()), timeout, cancellationToken, awaited);
    }

    /// <summary>As <see cref="WaitUntilAsync(Func{bool}, TimeSpan?, CancellationToken, string)"/>, for a condition that
    /// has to ask something (a lookup, a request) to find out.</summary>
    public static async Task WaitUntilAsync(
        Func<Task<bool>> condition,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default,
        [CallerArgumentExpression(nameof(condition))] string awaited = "")
    {
        ArgumentNullException.ThrowIfNull(condition);
        TimeSpan limit = timeout ?? DefaultTimeout;
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed >= limit)
            {
                throw new TimeoutException($"Waited {limit.TotalSeconds:0.#} s until {awaited}, but it never held.");
            }
            await Task.Delay(Interval, cancellationToken);
        }
    }

    /// <summary>Returns the first non-null value <paramref name="probe"/> gives; throws a <see cref="TimeoutException"/>
    /// naming the probe when none came within <paramref name="timeout"/> (default 30 s).</summary>
    public static async Task<T> WaitForAsync<T>(
        Func<T?> probe,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default,
        [CallerArgumentExpression(nameof(probe))] string awaited = "")
        where T : class
    {
        ArgumentNullException.ThrowIfNull(probe);
        T? value = null;
        await WaitUntilAsync(() => (value = probe()) is not null, timeout, cancellationToken, awaited);
        return value!;
    }
}
