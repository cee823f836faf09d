using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace DataMesh.PowerShell.Loading;

/// <summary>
/// The one load context for DataMesh's engine (DataMesh.Core, .Libp2p, .Storage) and every third-party
/// assembly it uses, all read from the module's <c>dependencies/</c> folder. Other modules in the same
/// PowerShell session may load other versions of the same libraries into the default context without clashing.
/// Native libraries (libsodium for NSec) are found under <c>dependencies/runtimes/&lt;rid&gt;/native</c>.
/// </summary>
internal sealed class DataMeshLoadContext : AssemblyLoadContext
{
    private static readonly Lazy<DataMeshLoadContext> Shared = new(() => new DataMeshLoadContext(
        Path.Combine(Path.GetDirectoryName(typeof(DataMeshLoadContext).Assembly.Location)!, "dependencies")));

    /// <summary>The shared framework folder (Microsoft.NETCore.App) of the running runtime.</summary>
    private static readonly string RuntimeDirectory = RuntimeEnvironment.GetRuntimeDirectory();

    private readonly string _dependencyDirectory;

    private DataMeshLoadContext(string dependencyDirectory)
        : base("DataMesh", isCollectible: false)
    {
        _dependencyDirectory = dependencyDirectory;
    }

    /// <summary>The context of this module instance (one per process: the cmdlet assembly is loaded once).</summary>
    public static DataMeshLoadContext Instance => Shared.Value;

    public string DependencyDirectory => _dependencyDirectory;

    /// <summary>Whether <paramref name="name"/> is one of the files this context serves.</summary>
    public bool Contains(AssemblyName name) =>
        name.Name is not null && File.Exists(Path.Combine(_dependencyDirectory, name.Name + ".dll"));

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        // The framework always comes from the runtime (a package copy of a framework assembly would split type
        // identity with PowerShell); so does anything not shipped in dependencies/. Returning null defers to the default context.
        if (assemblyName.Name is null || File.Exists(Path.Combine(RuntimeDirectory, assemblyName.Name + ".dll")))
        {
            return null;
        }
        var path = Path.Combine(_dependencyDirectory, assemblyName.Name + ".dll");
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        foreach (var candidate in NativeCandidates(unmanagedDllName))
        {
            if (File.Exists(candidate))
            {
                return LoadUnmanagedDllFromPath(candidate);
            }
        }
        return IntPtr.Zero;
    }

    private IEnumerable<string> NativeCandidates(string name)
    {
        var fileNames = NativeFileNames(name).ToArray();
        foreach (var rid in RuntimeIdentifiers())
        {
            var folder = Path.Combine(_dependencyDirectory, "runtimes", rid, "native");
            foreach (var file in fileNames)
            {
                yield return Path.Combine(folder, file);
            }
        }
        foreach (var file in fileNames)
        {
            yield return Path.Combine(_dependencyDirectory, file);
        }
    }

    private static IEnumerable<string> NativeFileNames(string name)
    {
        if (Path.HasExtension(name) && (name.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) || name.Contains(".so", StringComparison.Ordinal) || name.EndsWith(".dylib", StringComparison.Ordinal)))
        {
            yield return name;
            yield break;
        }
        var (prefix, suffix) = OperatingSystem.IsWindows() ? ("", ".dll") : OperatingSystem.IsMacOS() ? ("lib", ".dylib") : ("lib", ".so");
        yield return name + suffix;
        if (!name.StartsWith(prefix, StringComparison.Ordinal))
        {
            yield return prefix + name + suffix;
        }
    }

    /// <summary>The runtime's own RID first, then the portable one for this OS and architecture.</summary>
    private static IEnumerable<string> RuntimeIdentifiers()
    {
        yield return RuntimeInformation.RuntimeIdentifier;
        var architecture = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        if (OperatingSystem.IsWindows())
        {
            yield return "win-" + architecture;
        }
        else if (OperatingSystem.IsMacOS())
        {
            yield return "osx-" + architecture;
        }
        else
        {
            if (File.Exists("/etc/alpine-release"))
            {
                yield return "linux-musl-" + architecture;
            }
            yield return "linux-" + architecture;
        }
    }
}
