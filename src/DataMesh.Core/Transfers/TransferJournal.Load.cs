using DataMesh.Libp2p.Identity;
using DataMesh.Storage.Addressing;

namespace DataMesh.Core.Transfers;

/// <summary>Opening a journal: reading back the records of an earlier run, keeping the intact prefix.</summary>
internal sealed partial class TransferJournal
{
    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(FilePath));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }
        var fileOptions = new FileStreamOptions
        {
            Mode = FileMode.OpenOrCreate,
            Access = FileAccess.ReadWrite,
            Share = FileShare.Read,
            Options = FileOptions.Asynchronous,
        };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        _file = new FileStream(FilePath, fileOptions);
        long intact = 0;
        if (_file.Length > 0 && _file.Length <= _options.MaxBytes)
        {
            var content = new byte[_file.Length];
            await _file.ReadExactlyAsync(content, cancellationToken).ConfigureAwait(false);
            intact = Parse(content);
        }
        else if (_file.Length > _options.MaxBytes)
        {
            Log.JournalDamaged(_logger, FilePath, $"larger than the {_options.MaxBytes}-byte limit, replaced");
        }
        if (intact == 0)
        {
            _file.SetLength(0);
            byte[] header = TransferJournalLines.Encode($"{Magic} {OperationKey}");
            await _file.WriteAsync(header, cancellationToken).ConfigureAwait(false);
            _file.Flush(flushToDisk: true);
            return;
        }
        _file.SetLength(intact);
        _file.Position = intact;
    }

    /// <summary>Loads records; returns the length of the intact prefix (0: not a journal of this operation).</summary>
    private long Parse(byte[] content)
    {
        long offset = 0;
        bool headerSeen = false;
        while (offset < content.Length)
        {
            int end = Array.IndexOf(content, (byte)'\n', (int)offset);
            if (end < 0)
            {
                Log.JournalDamaged(_logger, FilePath, "the last record is incomplete");
                break;
            }
            var payload = TransferJournalLines.TryDecode(content.AsSpan((int)offset, end - (int)offset));
            if (payload is null)
            {
                Log.JournalDamaged(_logger, FilePath, $"damaged record at byte {offset}");
                break;
            }
            if (!headerSeen)
            {
                if (payload != $"{Magic} {OperationKey}")
                {
                    Log.JournalDiscarded(_logger, FilePath);
                    return 0;
                }
                headerSeen = true;
            }
            else if (!TryApply(payload))
            {
                Log.JournalDamaged(_logger, FilePath, $"unreadable record at byte {offset}");
                break;
            }
            else
            {
                ResumedRecords++;
            }
            offset = end + 1;
        }
        return headerSeen ? offset : 0;
    }

    private bool TryApply(string payload)
    {
        var parts = payload.Split(' ');
        if (parts is ["T", var stripeText] && int.TryParse(stripeText, System.Globalization.NumberStyles.None, null, out int stripe))
        {
            _stripes.Add(stripe);
            return true;
        }
        if (parts is ["E", var encodedText, var digestText]
            && int.TryParse(encodedText, System.Globalization.NumberStyles.None, null, out int encoded)
            && ContentHash.TryParse(digestText, out var digest))
        {
            _encoded[encoded] = digest;
            return true;
        }
        if (parts is ["K", var token] && ResumeToken is null && TransferJournalLines.IsToken(token))
        {
            ResumeToken = token;
            return true;
        }
        if (parts is ["S", var shardText, var holdersText] && ContentHash.TryParse(shardText, out var shard))
        {
            var holders = new List<PeerId>();
            foreach (var text in holdersText.Split(','))
            {
                if (!PeerId.TryParse(text, out var peer) || peer is null)
                {
                    return false;
                }
                holders.Add(peer);
            }
            _shards[shard] = [.. holders];
            return true;
        }
        return false;
    }
}
