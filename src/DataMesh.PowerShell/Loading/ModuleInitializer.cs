using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace DataMesh.PowerShell.Loading;

/// <summary>
/// Hooks the default load context when the module is imported: when the cmdlet assembly (loaded by PowerShell
/// in the default context) needs DataMesh.Core, it is served from <see cref="DataMeshLoadContext"/>, and from
/// there every third-party dependency resolves inside that context. Unhooked when the module is removed.
/// This type must not mention engine types: it runs before they can be resolved.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private static readonly HashSet<string> EngineAssemblies = new(StringComparer.Ordinal)
    {
        "DataMesh.Core", "DataMesh.Libp2p", "DataMesh.Storage",
    };

    public void OnImport()
    {
        // Remove first so a re-import after an unclean removal never registers the handler twice.
        AssemblyLoadContext.Default.Resolving -= ResolveEngineAssembly;
        AssemblyLoadContext.Default.Resolving += ResolveEngineAssembly;
    }

    public void OnRemove(PSModuleInfo psModuleInfo) => AssemblyLoadContext.Default.Resolving -= ResolveEngineAssembly;

    private static Assembly? ResolveEngineAssembly(AssemblyLoadContext context, AssemblyName name)
    {
        // Only our own engine assemblies: third-party names requested by other modules are none of our business.
        if (name.Name is null || !EngineAssemblies.Contains(name.Name) || !DataMeshLoadContext.Instance.Contains(name))
        {
            return null;
        }
        return DataMeshLoadContext.Instance.LoadFromAssemblyName(name);
    }
}
