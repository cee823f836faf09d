using System.Reflection;
using System.Text.RegularExpressions;
using DataMesh.Core.Node;
using DataMesh.Libp2p.Host;
using DataMesh.Storage.ChunkStore;
using Microsoft.Extensions.Logging;

namespace DataMesh.Core.Tests.Diagnostics;

/// <summary>The event id blocks live in one place, the "Log event ids" table of docs/architecture.md; these tests read
/// it and hold every [LoggerMessage] of the three libraries to it, so a log line's id names its area alone.</summary>
public sealed partial class LogEventIdTests
{
    private static readonly Assembly[] Libraries =
        [typeof(Libp2pHost).Assembly, typeof(ChunkStore).Assembly, typeof(DataMeshNode).Assembly];

    [Fact]
    public void Event_id_blocks_do_not_overlap()
    {
        var blocks = ReadBlocks();

        Assert.True(blocks.Count >= 10, $"the table has {blocks.Count} rows");
        var sorted = blocks.OrderBy(b => b.First).ToList();
        for (int i = 1; i < sorted.Count; i++)
        {
            Assert.True(sorted[i].First > sorted[i - 1].Last,
                $"{sorted[i - 1].Namespace} ({sorted[i - 1].First}-{sorted[i - 1].Last}) overlaps {sorted[i].Namespace} ({sorted[i].First}-{sorted[i].Last})");
        }
    }

    [Fact]
    public void Every_event_id_is_unique_across_the_libraries()
    {
        var duplicates = LogMethods()
            .GroupBy(m => m.EventId)
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => m.Name))}")
            .ToList();

        Assert.True(duplicates.Count == 0, "event ids used more than once: " + string.Join("; ", duplicates));
    }

    [Fact]
    public void Every_event_id_lies_in_the_block_of_its_namespace()
    {
        var blocks = ReadBlocks();
        var methods = LogMethods();
        Assert.True(methods.Count >= 90, $"found only {methods.Count} [LoggerMessage] methods");

        var misplaced = new List<string>();
        foreach (var method in methods)
        {
            // The longest matching namespace wins, so DataMesh.Core.Node.Files logs in DataMesh.Core.Node's block.
            var block = blocks
                .Where(b => method.Namespace == b.Namespace || method.Namespace.StartsWith(b.Namespace + ".", StringComparison.Ordinal))
                .MaxBy(b => b.Namespace.Length);
            if (block is null)
            {
                misplaced.Add($"{method.Name} ({method.EventId}): no block for {method.Namespace}");
            }
            else if (method.EventId < block.First || method.EventId > block.Last)
            {
                misplaced.Add($"{method.Name} ({method.EventId}): outside {block.Namespace} {block.First}-{block.Last}");
            }
        }

        Assert.True(misplaced.Count == 0, string.Join("; ", misplaced));
    }

    [Fact]
    public void Every_block_in_the_table_has_events()
    {
        var methods = LogMethods();
        var unused = ReadBlocks()
            .Where(b => !methods.Any(m => m.EventId >= b.First && m.EventId <= b.Last))
            .Select(b => b.Namespace)
            .ToList();

        Assert.True(unused.Count == 0, "blocks without events: " + string.Join(", ", unused));
    }

    private sealed record LogMethod(string Namespace, string Name, int EventId);

    private sealed record Block(string Namespace, int First, int Last);

    private static List<LogMethod> LogMethods()
    {
        const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
        return
        [
            .. from assembly in Libraries
               from type in assembly.GetTypes()
               from method in type.GetMethods(All)
               let attribute = method.GetCustomAttribute<LoggerMessageAttribute>()
               where attribute is not null
               select new LogMethod(type.Namespace ?? "", $"{type.FullName}.{method.Name}", attribute.EventId),
        ];
    }

    private static List<Block> ReadBlocks()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "DataMesh.PowerShell.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("repository root not found");
        }
        var lines = File.ReadAllLines(Path.Combine(root, "docs", "architecture.md"));
        var blocks = lines
            .SkipWhile(l => l != "## Log event ids")
            .Skip(1)
            .TakeWhile(l => !l.StartsWith("## ", StringComparison.Ordinal))
            .Select(l => BlockRow().Match(l))
            .Where(m => m.Success)
            .Select(m => new Block(m.Groups[1].Value, int.Parse(m.Groups[2].Value), int.Parse(m.Groups[3].Value)))
            .ToList();
        Assert.NotEmpty(blocks);
        return blocks;
    }

    [GeneratedRegex(@"^\| `([A-Za-z0-9.]+)` \| (\d+)-(\d+) \|$")]
    private static partial Regex BlockRow();
}
