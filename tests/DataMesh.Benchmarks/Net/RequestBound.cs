namespace DataMesh.Benchmarks.Net;

/// <summary>
/// The most a request/response transfer can move over separate links with a given number of requests in flight,
/// however well they are spread. A link serving one request at a time idles for a round trip between an answer and
/// the next request (the answer's last byte must arrive before the request slot is free, and the next request needs
/// half a round trip to reach the peer and its answer another half to come back), so it reaches only
/// size / (RTT + size / rate) of its rate; two or more requests keep it busy. The best split puts
/// requests / links on every link and one more on the remainder. Perfect spreading, no ramp-up and no tail: a floor
/// for the time, not a prediction.
/// </summary>
internal static class RequestBound
{
    public static double BytesPerSecond(int requestsInFlight, int links, double requestBytes, double linkBytesPerSecond, TimeSpan roundTrip)
    {
        double oneRequest = requestBytes / (roundTrip.TotalSeconds + (requestBytes / linkBytesPerSecond));
        int perLink = requestsInFlight / links;
        int extra = requestsInFlight % links;
        double total = 0;
        for (int link = 0; link < links; link++)
        {
            int requests = perLink + (link < extra ? 1 : 0);
            total += Math.Min(linkBytesPerSecond, requests * oneRequest);
        }
        return total;
    }
}
