package dev.affinity.proxy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.affinity.proxy.testing.RawHttp;
import dev.affinity.proxy.testing.TestBackend;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many keep-alive clients in a small heap. Each client connection that has sent a request stays
 * open, as a browser's does, and costs the proxy memory for as long as it lives: Jetty's header
 * cache alone was about 96 KiB per connection, so 600 clients ran a 48 MiB heap out (with either
 * collector). The proxy runs with the collector README recommends, as users are told to run it.
 */
class ManyConnectionsIT {

    private static final int CLIENTS = 600;
    private static final Duration BOUND = Duration.ofSeconds(30);
    /**
     * For all 1200 requests, about 2 s here. It also keeps the first client's second request well
     * within the connector's 30 s idle timeout, which would otherwise close that client first.
     */
    private static final Duration ALL_REQUESTS = Duration.ofSeconds(20);
    private static final byte[] GET = "GET /app HTTP/1.1\r\nHost: a\r\nUser-Agent: many-connections-it\r\n\r\n"
            .getBytes(StandardCharsets.ISO_8859_1);

    @TempDir
    Path dir;

    @Test
    void sixHundredOpenClientConnectionsAreServedInA48MiBHeap() throws Exception {
        try (TestBackend backend = TestBackend.start("node1", "127.0.0.1")) {
            Path conf = Files.writeString(dir.resolve("many.conf"), "ProxyPass /app " + backend.url() + "/app\n");
            try (ProxyProcess proxy = ProxyProcess.start(List.of("-XX:+UseParallelGC", "-Xmx48m"),
                    "--config", conf.toString(), "--listen", "127.0.0.1:0")) {
                URI uri = proxy.awaitListening(BOUND);
                long deadline = System.nanoTime() + ALL_REQUESTS.toNanos();
                List<Socket> clients = new ArrayList<>();
                try {
                    for (int i = 0; i < CLIENTS; i++) {
                        Socket socket = RawHttp.connect(uri.getHost(), uri.getPort());
                        clients.add(socket);
                        assertEquals(200, exchange(socket, proxy, "first request of client " + i, deadline).status());
                    }
                    // All of them still open and kept: each is served again.
                    for (int i = 0; i < CLIENTS; i++) {
                        assertEquals("node1", exchange(clients.get(i), proxy, "second request of client " + i, deadline).body());
                    }
                } finally {
                    for (Socket socket : clients) {
                        socket.close();
                    }
                }
                assertTrue(proxy.isAlive(), "the proxy is still running");
                assertFalse(proxy.output().contains("OutOfMemoryError"), "the proxy ran out of memory: " + proxy.output());
                assertEquals(2 * CLIENTS, backend.requestCount());
            }
        }
    }

    /** One request and its response, within the deadline; a failure names the request and shows the proxy's output. */
    private static RawHttp.Response exchange(Socket socket, ProxyProcess proxy, String what, long deadline) {
        if (System.nanoTime() > deadline) {
            fail("not done within " + ALL_REQUESTS + " at the " + what + "; the proxy printed:\n" + proxy.output());
        }
        try {
            socket.getOutputStream().write(GET);
            InputStream in = new BufferedInputStream(socket.getInputStream(), 1);
            return RawHttp.read(in);
        } catch (IOException e) {
            return fail("the " + what + " failed: " + e + "; the proxy printed:\n" + proxy.output(), e);
        }
    }
}
