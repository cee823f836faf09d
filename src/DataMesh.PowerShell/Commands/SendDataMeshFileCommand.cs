using System.Management.Automation;
using DataMesh.Core;
using DataMesh.Core.Node;
using DataMesh.PowerShell.Output;
using DataMesh.PowerShell.Sessions;

namespace DataMesh.PowerShell.Commands;

/// <summary>
/// Encrypts, erasure-codes and stores files on the mesh; returns each file's key. Takes files from the pipeline
/// (<c>Get-ChildItem *.log | Send-DataMeshFile</c>); a file that fails is a non-terminating error.
/// </summary>
[Cmdlet(VerbsCommunications.Send, "DataMeshFile")]
[OutputType(typeof(DataMeshSentFile))]
public sealed class SendDataMeshFileCommand : DataMeshSessionCmdlet
{
    /// <summary>Files to send; wildcards allowed. Binds FullName from Get-ChildItem.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>Shard uploads in flight; overrides performance.chunks.max_concurrent_uploads.</summary>
    [Parameter]
    [ValidateRange(1, 1024)]
    public int? MaxConcurrency { get; set; }

    /// <summary>Public identities (from Export-DataMeshIdentity) who may also decrypt the file.</summary>
    [Parameter]
    [ValidateNotNull]
    public string[] Recipient { get; set; } = [];

    /// <summary>Tags recorded with the file, for Get-DataMeshFile -Tag.</summary>
    [Parameter]
    [ValidateNotNull]
    public string[] Tag { get; set; } = [];

    protected override void ProcessRecord()
    {
        DataMeshSession session = ResolveSession();
        foreach (string path in Path)
        {
            foreach (string file in ResolveFiles(path))
            {
                Send(session, file);
            }
        }
    }

    private string[] ResolveFiles(string path)
    {
        string literal = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
        if (File.Exists(literal))
        {
            return [literal];
        }
        System.Collections.ObjectModel.Collection<string> resolved;
        try
        {
            resolved = GetResolvedProviderPathFromPSPath(path, out _);
        }
        catch (ItemNotFoundException)
        {
            resolved = [];
        }
        string[] files = [.. resolved.Where(File.Exists)];
        if (files.Length == 0)
        {
            WriteError(new ErrorRecord(new FileNotFoundException($"Cannot send '{path}': no such file.", literal),
                ErrorIds.FileNotFound, ErrorCategory.ObjectNotFound, path));
        }
        return files;
    }

    private void Send(DataMeshSession session, string file)
    {
        string name = System.IO.Path.GetFileName(file);
        var progress = new TransferProgressReporter($"Sending {name}");
        Action writeProgress = () =>
        {
            if (progress.Next() is { } record)
            {
                WriteProgress(record);
            }
        };
        SendFileResult result;
        try
        {
            result = WaitFor(session.Node.SendFileAsync(file, null, Tag, Recipient, MaxConcurrency, progress, CancelToken), session.Log, writeProgress);
        }
        catch (NodeRequestException error)
        {
            WriteError(ToErrorRecord(error, file, ErrorIds.SendFailed));
            return;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            WriteError(new ErrorRecord(error, ErrorIds.SendFailed, ErrorCategory.ReadError, file));
            return;
        }
        catch (DataMeshException error)
        {
            WriteError(new ErrorRecord(error, ErrorIds.SendFailed, ErrorCategory.WriteError, file));
            return;
        }
        finally
        {
            if (progress.Completed() is { } done)
            {
                WriteProgress(done);
            }
        }
        WriteObject(new DataMeshSentFile
        {
            FileKey = DataMeshNode.FileKeyText(result),
            Name = result.Name,
            Path = result.SourcePath,
            Size = result.Size,
            Stripes = result.Stripes,
            Shards = result.Shards,
            DataShards = result.DataShards,
            ParityShards = result.ParityShards,
            Resumed = result.Resumed,
            ShardsSkipped = result.ShardsSkipped,
            Duration = result.Statistics.Duration,
            Throughput = Throughput.MegabytesPerSecond(result.Size, result.Statistics.Duration),
            Retries = result.Statistics.Retries,
            HedgesFired = result.Statistics.HedgesFired,
        });
    }
}
