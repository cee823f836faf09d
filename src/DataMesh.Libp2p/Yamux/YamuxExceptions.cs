namespace DataMesh.Libp2p.Yamux;

/// <summary>Base type of every error the yamux multiplexer raises.</summary>
internal class YamuxException : Libp2pException
{
    public YamuxException(string message) : base(message) { }
    public YamuxException(string message, Exception? innerException) : base(message, innerException) { }
}

/// <summary>The remote peer broke the yamux protocol (bad header, window overrun, duplicate stream...).</summary>
internal sealed class YamuxProtocolException : YamuxException
{
    public YamuxProtocolException(string message) : base(message) { }
}

/// <summary>The session has ended; no stream can be opened or accepted any more.</summary>
internal sealed class YamuxSessionClosedException : YamuxException
{
    public YamuxSessionClosedException(string message, Exception? innerException = null) : base(message, innerException) { }
}

/// <summary>The remote peer ended the session with a GoAway carrying an error code.</summary>
internal sealed class YamuxGoAwayException : YamuxException
{
    public YamuxGoAwayException(YamuxGoAwayCode code)
        : base($"The remote peer sent GoAway with code {code}.")
    {
        Code = code;
    }

    public YamuxGoAwayCode Code { get; }
}

/// <summary>The stream was reset (RST), locally or by the remote peer; both directions fail.</summary>
internal sealed class YamuxStreamResetException : YamuxException
{
    public YamuxStreamResetException(uint streamId, bool byRemote)
        : base(byRemote ? $"Yamux stream {streamId} was reset by the remote peer." : $"Yamux stream {streamId} was reset locally.")
    {
        StreamId = streamId;
        ByRemote = byRemote;
    }

    public uint StreamId { get; }

    public bool ByRemote { get; }
}

/// <summary>Opening a stream would exceed <see cref="YamuxOptions.MaxStreams"/>, or stream ids are exhausted.</summary>
internal sealed class YamuxStreamLimitException : YamuxException
{
    public YamuxStreamLimitException(string message) : base(message) { }
}
