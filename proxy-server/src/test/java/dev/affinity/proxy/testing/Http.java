package dev.affinity.proxy.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A plain HTTP client for tests: no redirects followed, no cookies kept, a timeout on every call.
 */
public final class Http {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private final HttpClient client = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(TIMEOUT)
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    private final String base;

    public Http(URI base) {
        String s = base.toString();
        this.base = s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    /** GET {@code path} with optional header name/value pairs. */
    public HttpResponse<String> get(String path, String... headers) throws IOException, InterruptedException {
        return send(builder(path, headers).GET().build());
    }

    public HttpResponse<String> post(String path, String body, String... headers) throws IOException, InterruptedException {
        return send(builder(path, headers).POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    public HttpRequest.Builder builder(String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(TIMEOUT);
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return b;
    }

    public HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
