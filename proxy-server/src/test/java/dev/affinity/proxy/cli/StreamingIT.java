package dev.affinity.proxy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import dev.affinity.proxy.testing.TestBackend;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpResponse.BodySubscribers;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One GiB each way through the proxy process started with {@code -Xmx256m} in front of one backend:
 * a body four times the proxy's heap arrives byte for byte only if the proxy streams it. Client and
 * backend stream too, digesting as the bytes pass, so no side ever holds a body.
 */
class StreamingIT {

    private static final long GIB = 1L << 30;
    private static final long SEED = 0x5EED_2024L;
    private static final Duration TRANSFER = Duration.ofMinutes(3);
    private static final Duration BOUND = Duration.ofSeconds(30);

    @TempDir
    static Path dir;

    private static TestBackend backend;
    private static ProxyProcess proxy;
    private static URI proxyUri;
    private static HttpClient client;

    @BeforeAll
    static void startBackendAndProxy() throws Exception {
        backend = TestBackend.start("files", "127.0.0.1")
                .on("/upload", StreamingIT::digestTheUpload)
                .on("/download/", StreamingIT::streamADownload);
        Path conf = Files.writeString(dir.resolve("streaming.conf"), """
                <Proxy balancer://files>
                    BalancerMember %s
                </Proxy>
                ProxyPass / balancer://files/
                """.formatted(backend.url()));
        proxy = ProxyProcess.start(List.of("-Xmx256m"), "--config", conf.toString(), "--listen", "127.0.0.1:0");
        proxyUri = proxy.awaitListening(BOUND);
        client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void aOneGibUploadReachesTheBackendByteForByte() throws Exception {
        BodyDigest sent = new BodyDigest();
        HttpRequest upload = HttpRequest.newBuilder(proxyUri.resolve("/upload"))
                .timeout(TRANSFER)
                .header("Content-Type", "application/octet-stream")
                .POST(BodyPublishers.fromPublisher(
                        BodyPublishers.ofInputStream(() -> digesting(new GeneratedBody(SEED, GIB), sent)), GIB))
                .build();

        long start = System.nanoTime();
        HttpResponse<String> response = within(TRANSFER, client.sendAsync(upload, BodyHandlers.ofString()));
        report("upload", System.nanoTime() - start);

        assertEquals(200, response.statusCode(), response::body);
        assertEquals(GIB, sent.bytes(), "the client sent the whole body");
        assertEquals(sent.toString(), response.body(), "what the backend received: byte count and SHA-256");
        assertTheProxyHeldUp();
    }

    @Test
    void aOneGibDownloadReachesTheClientByteForByte() throws Exception {
        String expected = GeneratedBody.digestOf(SEED, GIB).toString();
        BodyDigest received = new BodyDigest();
        HttpRequest download = HttpRequest.newBuilder(proxyUri.resolve("/download/" + GIB)).timeout(TRANSFER).GET().build();

        long start = System.nanoTime();
        HttpResponse<Void> response = within(TRANSFER,
                client.sendAsync(download, info -> BodySubscribers.fromSubscriber(new Digesting(received))));
        report("download", System.nanoTime() - start);

        assertEquals(200, response.statusCode());
        assertEquals(OptionalLong.of(GIB), response.headers().firstValueAsLong("Content-Length"),
                "the backend's Content-Length passes through");
        assertEquals(expected, received.toString(), "what the client received: byte count and SHA-256");
        assertTheProxyHeldUp();
    }

    /** Backend: reads the upload as it arrives and answers its byte count and digest. */
    private static void digestTheUpload(HttpExchange exchange) throws IOException {
        BodyDigest received = new BodyDigest();
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = exchange.getRequestBody()) {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                received.update(buffer, 0, n);
            }
        }
        backend.reply(exchange, 200, received.toString());
    }

    /** Backend: {@code GET /download/LENGTH} sends LENGTH generated bytes with a Content-Length, writing as it generates. */
    private static void streamADownload(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        long length = Long.parseLong(path.substring(path.lastIndexOf('/') + 1));
        exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
        exchange.sendResponseHeaders(200, length);
        byte[] buffer = new byte[64 * 1024];
        try (InputStream body = new GeneratedBody(SEED, length); OutputStream out = exchange.getResponseBody()) {
            for (int n; (n = body.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
            }
        }
    }

    /** {@code in}, adding every byte read to {@code digest}. */
    private static InputStream digesting(InputStream in, BodyDigest digest) {
        return new FilterInputStream(in) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) {
                    digest.update(b, off, n);
                }
                return n;
            }

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
            }
        };
    }

    /** A response body subscriber that digests each buffer as it arrives and asks for the next one. */
    private static final class Digesting implements Flow.Subscriber<List<ByteBuffer>> {

        private final BodyDigest digest;
        private Flow.Subscription subscription;

        Digesting(BodyDigest digest) {
            this.digest = digest;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            subscription.request(1);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            buffers.forEach(digest::update);
            subscription.request(1);
        }

        @Override
        public void onError(Throwable failure) {
            // The response future fails with it.
        }

        @Override
        public void onComplete() {
            // The response future completes.
        }
    }

    private static <T> T within(Duration bound, CompletableFuture<T> transfer) throws InterruptedException {
        try {
            return transfer.get(bound.toSeconds() + 10, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            transfer.cancel(true);
            throw new AssertionError("the transfer did not finish within " + bound + "; the proxy printed:\n" + proxy.output());
        } catch (ExecutionException e) {
            throw new AssertionError("the transfer failed: " + e.getCause() + "; the proxy printed:\n" + proxy.output(), e.getCause());
        }
    }

    private static void report(String what, long nanos) {
        double seconds = nanos / 1e9;
        System.out.printf("StreamingIT: %s of 1 GiB through the proxy (-Xmx256m) in %.1f s: %.0f MiB/s%n",
                what, seconds, GIB / (1024.0 * 1024.0) / seconds);
    }

    private static void assertTheProxyHeldUp() {
        assertTrue(proxy.isAlive(), () -> "the proxy died:\n" + proxy.output());
        assertTrue(proxy.linesMatching(Pattern.compile("OutOfMemoryError|WARN")).isEmpty(),
                () -> "the proxy warned:\n" + proxy.output());
    }
}
