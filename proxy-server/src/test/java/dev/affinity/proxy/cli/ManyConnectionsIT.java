package dev.affinity.proxy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.affinity.proxy.testing.RawHttp;
import dev.affinity.proxy.testing.TestBackend;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
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
 * cache alone was about 96 KiB per connection, so 600 clients ran a 48 MiB heap out.
 */
class ManyConnectionsIT {

    private static final int CLIENTS = 600;
    private static final Duration BOUND = Duration.ofSeconds(30);
    private static final byte[] GET = "GET /app HTTP/1.1\r\nHost: a\r\nUser-Agent: many-connections-it\r\n\r\n"
            .getBytes(StandardCharsets.ISO_8859_1);

    @TempDir
    Path dir;

    @Test
    void sixHundredOpenClientConnectionsAreServedInA48MiBHeap() throws Exception {
        try (TestBackend backend = TestBackend.start("node1", "127.0.0.1")) {
            Path conf = Files.writeString(dir.resolve("many.conf"), "ProxyPass /app " + backend.url() + "/app\n");
            try (ProxyProcess proxy = ProxyProcess.start(List.of("-XX:+UseSerialGC", "-Xmx48m"),
                    "--config", conf.toString(), "--listen", "127.0.0.1:0")) {
                URI uri = proxy.awaitListening(BOUND);
                List<Socket> clients = new ArrayList<>();
                try {
                    for (int i = 0; i < CLIENTS; i++) {
                        Socket socket = connect(uri);
                        clients.add(socket);
                        assertEquals(200, exchange(socket).status(), "first request of client " + i);
                    }
                    // All of them still open and kept: each is served again.
                    for (int i = 0; i < CLIENTS; i++) {
                        assertEquals("node1", exchange(clients.get(i)).body(), "second request of client " + i);
                    }
                } finally {
                    for (Socket socket : clients) {
                        socket.close();
                    }
                }
                assertTrue(proxy.isAlive(), "the proxy is still running");
                assertTrue(!proxy.output().contains("OutOfMemoryError"), "the proxy ran out of memory: " + proxy.output());
                assertEquals(2 * CLIENTS, backend.requestCount());
            }
        }
    }

    private static Socket connect(URI uri) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 5_000);
        socket.setSoTimeout(10_000);
        return socket;
    }

    private static RawHttp.Response exchange(Socket socket) throws IOException {
        socket.getOutputStream().write(GET);
        InputStream in = new BufferedInputStream(socket.getInputStream(), 1);
        return RawHttp.read(in);
    }
}
