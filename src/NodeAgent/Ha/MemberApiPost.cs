using System.Net.Http.Headers;

namespace NodeAgent.Ha;

/// <summary>
/// One POST of a JSON body to another member's REST API (the authority of its api_url, then the path), with
/// restapi.authentication and a bound of its own. The member's answer (status and text), or null when it gave none.
/// </summary>
internal static class MemberApiPost
{
    public static async Task<(int Status, string Text)?> SendAsync(
        HttpClient http, AuthenticationHeaderValue? auth, string apiUrl, string path, byte[] body, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(apiUrl, UriKind.Absolute, out var api))
        {
            return null;
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(api.GetLeftPart(UriPartial.Authority) + path));
            request.Headers.Authorization = auth;
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cts.Token).ConfigureAwait(false);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(cts.Token).ConfigureAwait(false));
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }
}
