package dev.affinity.proxy.server;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.affinity.proxy.testing.Proxies;
import dev.affinity.proxy.testing.RawHttp;
import dev.affinity.proxy.testing.TestBackend;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SelectionKey;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A client's keep-alive connection serves request after request, in order, also when the requests
 * arrive pipelined: after each proxied response the connection reads on, on the thread that completed
 * the response, if bytes are left from its last request, and otherwise gives its buffer back and waits
 * for the selector to report the next one ({@link ConnectionResumeExecutor}). While a request is with its member,
 * the selector keeps watching the client's socket for reading, until bytes come that nobody reads
 * yet ({@link SelectorEndPoint}).
 */
class KeepAliveTest {

    private TestBackend backend;
    private AffinityProxy proxy;

    @BeforeEach
    void start() throws Exception {
        backend = TestBackend.start("node1", "127.0.0.1");
        proxy = Proxies.start("ProxyPass /app " + backend.url() + "/app\n");
    }

    @AfterEach
    void stop() throws Exception {
        proxy.close();
        backend.close();
    }

    private static List<String> gets(int n) {
        return gets("/app/", n);
    }

    /** GETs of the prefix followed by 1 to n, on a keep-alive connection. */
    private static List<String> gets(String prefix, int n) {
        List<String> requests = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            requests.add("GET " + prefix + i + " HTTP/1.1\r\nHost: a\r\n\r\n");
        }
        return requests;
    }

    @Test
    void oneConnectionServesTwentyRequestsInTurn() throws Exception {
        List<RawHttp.Response> responses = RawHttp.exchangeAll("127.0.0.1", proxy.port(), gets(20), false);
        assertEquals(20, responses.size());
        for (RawHttp.Response r : responses) {
            assertEquals(200, r.status());
            assertEquals("node1", r.body());
        }
        assertEquals(20, backend.requestCount());
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        List<RawHttp.Response> responses = RawHttp.exchangeAll("127.0.0.1", proxy.port(), gets(5), true);
        assertEquals(5, responses.size());
        for (RawHttp.Response r : responses) {
            assertEquals(200, r.status());
        }
        assertEquals(List.of("/app/1", "/app/2", "/app/3", "/app/4", "/app/5"), targets());
    }

    @Test
    void answersToAClientThatReadsLateArriveWholeAndInOrder() throws Exception {
        // A head and a 4 KiB body, which the proxy usually writes with one system call (SingleWrite);
        // 3000 of them, 12 MiB, are more than the sockets of both ends hold, so that with the client
        // not reading, writes go in part, then wait for the socket to drain.
        backend.on("/app/big/", exchange -> backend.reply(exchange, 200, bigBody(exchange.getRequestURI().getPath())));
        int count = 3000;
        byte[] requests = String.join("", gets("/app/big/", count)).getBytes(StandardCharsets.US_ASCII);
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(4096);
            socket.connect(new InetSocketAddress("127.0.0.1", proxy.port()));
            socket.setSoTimeout(20_000); // an answer lost fails the test instead of hanging it
            Thread writer = new Thread(() -> {
                try {
                    socket.getOutputStream().write(requests);
                } catch (IOException e) {
                    // The reads below then miss answers, and say so.
                }
            });
            writer.start();
            // The proxy forwards a request only once the answer before it is written: it stops short.
            AtomicInteger seen = new AtomicInteger(-1);
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250)).until(() -> {
                int forwarded = backend.requestCount();
                return forwarded > 0 && forwarded == seen.getAndSet(forwarded);
            });
            assertTrue(backend.requestCount() < count, "the client's socket took every answer unread");
            InputStream in = new BufferedInputStream(socket.getInputStream());
            for (int i = 1; i <= count; i++) {
                RawHttp.Response r = RawHttp.read(in);
                assertEquals(200, r.status());
                assertEquals(bigBody("/app/big/" + i), r.body(), "answer " + i);
            }
            writer.join(10_000);
        }
        assertEquals(count, backend.requestCount());
    }

    /** 4 KiB naming the path, so that an answer out of place or cut short shows. */
    private static String bigBody(String path) {
        StringBuilder body = new StringBuilder(4096);
        while (body.length() < 4096) {
            body.append(path).append(';');
        }
        return body.substring(0, 4096);
    }

    @Test
    void theClientsSocketStaysWatchedWhileItsRequestIsWithTheMember() throws Exception {
        CountDownLatch answer = held("/app/held", "held");
        try (Socket socket = RawHttp.connect("127.0.0.1", proxy.port())) {
            sendAndAwaitAtMember(socket, "/app/held", 1);
            // Held at the member, the socket stays registered: no EPOLL_CTL_DEL now, no ADD after the answer.
            assertWatchedForReading(clientEndPoint());
            answer.countDown();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            assertEquals("held", RawHttp.read(in).body());
            send(socket, "/app/2");
            assertEquals("node1", RawHttp.read(in).body());
        }
    }

    @Test
    void aRequestPipelinedBehindOneWithTheMemberStopsTheWatchAndIsAnsweredNext() throws Exception {
        CountDownLatch answer = held("/app/held", "held");
        try (Socket socket = RawHttp.connect("127.0.0.1", proxy.port())) {
            sendAndAwaitAtMember(socket, "/app/held", 1);
            SelectorEndPoint client = clientEndPoint();
            send(socket, "/app/2");
            // Readable with nobody to read: watched on, the selector would report it again and again.
            await().atMost(Duration.ofSeconds(10)).until(() -> client.watchedFor() == 0);
            assertEquals(1, backend.requestCount());
            answer.countDown();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            assertEquals("held", RawHttp.read(in).body());
            assertEquals("node1", RawHttp.read(in).body());
            // Once the connection asks to read again, its next request is watched for again.
            await().atMost(Duration.ofSeconds(10)).until(client::isFillInterested);
            CountDownLatch third = held("/app/third", "third");
            sendAndAwaitAtMember(socket, "/app/third", 3);
            assertWatchedForReading(client);
            third.countDown();
            assertEquals("third", RawHttp.read(in).body());
        }
        assertEquals(List.of("/app/held", "/app/2", "/app/third"), targets());
    }

    @Test
    void aClientThatLeavesWhileItsRequestIsWithTheMemberIsNoLongerWatchedAndItsConnectionEnds() throws Exception {
        CountDownLatch answer = held("/app/held", "held");
        SelectorEndPoint client;
        try (Socket socket = RawHttp.connect("127.0.0.1", proxy.port())) {
            sendAndAwaitAtMember(socket, "/app/held", 1);
            client = clientEndPoint();
        }
        // The close makes the socket readable with nobody to read: no longer watched, and no spin.
        await().atMost(Duration.ofSeconds(10)).until(() -> client.watchedFor() == 0);
        answer.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> !client.isOpen());
    }

    @Test
    void connectionsIdleAfterRequestsWithAndWithoutABodyHoldNoBuffer() throws Exception {
        ArrayByteBufferPool pool = bufferPool();
        List<Socket> idle = new ArrayList<>();
        try {
            for (int i = 1; i <= 9; i++) {
                Socket socket = RawHttp.connect("127.0.0.1", proxy.port());
                idle.add(socket);
                // Two in three with a body, which Jetty reads from the buffer it read the head into.
                String request = switch (i % 3) {
                    case 0 -> "GET /app/" + i + " HTTP/1.1\r\nHost: a\r\n\r\n";
                    case 1 -> "POST /app/" + i + " HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello";
                    default -> "POST /app/" + i + " HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + "5\r\nhello\r\n0\r\n\r\n";
                };
                RawHttp.write(socket, request);
                assertEquals(200, RawHttp.read(new BufferedInputStream(socket.getInputStream())).status());
            }
            // Each connection waits for its next request; none keeps a buffer from its last one meanwhile.
            await().atMost(Duration.ofSeconds(10)).until(() -> buffersInUse(pool) == 0);
            assertEquals(9, backend.requestCount());
        } finally {
            for (Socket socket : idle) {
                socket.close();
            }
        }
    }

    /**
     * A POST whose whole body came with its head holds no more buffers while it is with its member than
     * a GET does: its connection's request buffer went back to the pool once the body was taken, where
     * Jetty keeps it until the response.
     */
    @Test
    void aPostWithItsWholeBodyHoldsNoRequestBufferWhileWithItsMember() throws Exception {
        ArrayByteBufferPool pool = bufferPool();
        CountDownLatch getAnswer = held("/app/held-get", "get");
        CountDownLatch postAnswer = held("/app/held-post", "post");
        try (Socket socket = RawHttp.connect("127.0.0.1", proxy.port())) {
            InputStream in = new BufferedInputStream(socket.getInputStream());
            sendAndAwaitAtMember(socket, "/app/held-get", 1);
            long whileGetHeld = buffersInUse(pool);
            getAnswer.countDown();
            assertEquals("get", RawHttp.read(in).body());
            RawHttp.write(socket, "POST /app/held-post HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello");
            await().atMost(Duration.ofSeconds(10)).until(() -> backend.requestCount() == 2);
            assertEquals(whileGetHeld, buffersInUse(pool), "buffers in use while the POST is with its member");
            postAnswer.countDown();
            assertEquals("post", RawHttp.read(in).body());
            send(socket, "/app/after");
            assertEquals("node1", RawHttp.read(in).body());
        }
        assertEquals(List.of("/app/held-get", "/app/held-post", "/app/after"), targets());
    }

    @Test
    void clientConnectionsServeCommonRequestsThenParseTheOthersWithClientRequestParser() throws Exception {
        // The parser's answers to the connection's questions are what the tests above rely on;
        // ClientRequestParserTest compares them with Jetty's own parser's.
        try (Socket socket = RawHttp.connect("127.0.0.1", proxy.port())) {
            InputStream in = new BufferedInputStream(socket.getInputStream());
            send(socket, "/app/1");
            assertEquals("node1", RawHttp.read(in).body());
            assertInstanceOf(CommonRequestConnection.class, clientEndPoint().getConnection());
            // A value with a byte beyond ASCII is Jetty's to judge: the connection is Jetty's from then on.
            RawHttp.write(socket, "GET /app/a HTTP/1.1\r\nHost: a\r\nX-Name: caf\u00e9\r\n\r\n");
            assertEquals("node1", RawHttp.read(in).body());
            HttpConnection connection = assertInstanceOf(HttpConnection.class, clientEndPoint().getConnection());
            assertInstanceOf(ClientRequestParser.class, connection.getParser());
            send(socket, "/app/2");
            assertEquals("node1", RawHttp.read(in).body());
            assertSame(connection, clientEndPoint().getConnection());
        }
        assertEquals(List.of("/app/1", "/app/a", "/app/2"), targets());
    }

    @Test
    void connectionsWaitForTheirNextRequestInsteadOfReadingWithThisJetty() {
        // Otherwise each connection reads its socket at once after each response, as Jetty does, often
        // finding nothing: the tests above still pass, only the bench would show it.
        assertTrue(ConnectionResumeExecutor.waitsInsteadOfReading(),
                "HttpConnection.releaseRequestBuffer() is not reachable: did a Jetty upgrade rename it?");
    }

    @Test
    void oneConnectionServesAPostWithALengthAChunkedPostAndAGetInTurn() throws Exception {
        ArrayByteBufferPool pool = bufferPool();
        try (Socket socket = RawHttp.connect("127.0.0.1", proxy.port())) {
            InputStream in = new BufferedInputStream(socket.getInputStream());
            for (String request : List.of(
                    "POST /app/1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
                    "POST /app/2 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n",
                    "GET /app/3 HTTP/1.1\r\nHost: a\r\n\r\n",
                    "POST /app/4 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello")) {
                RawHttp.write(socket, request);
                RawHttp.Response r = RawHttp.read(in);
                assertEquals(200, r.status());
                assertEquals("node1", r.body());
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> buffersInUse(pool) == 0);
        }
        assertEquals(List.of("/app/1", "/app/2", "/app/3", "/app/4"), targets());
        assertEquals(List.of(5L, 8L, 0L, 5L), bodySizes());
    }

    @Test
    void requestsPipelinedBehindPostsAreAnsweredInOrder() throws Exception {
        List<String> requests = List.of(
                "POST /app/1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
                "GET /app/2 HTTP/1.1\r\nHost: a\r\n\r\n",
                "POST /app/3 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
                "GET /app/4 HTTP/1.1\r\nHost: a\r\n\r\n",
                "POST /app/5 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello");
        List<RawHttp.Response> responses = RawHttp.exchangeAll("127.0.0.1", proxy.port(), requests, true);
        assertEquals(5, responses.size());
        for (RawHttp.Response r : responses) {
            assertEquals(200, r.status());
            assertEquals("node1", r.body());
        }
        assertEquals(List.of("/app/1", "/app/2", "/app/3", "/app/4", "/app/5"), targets());
        assertEquals(List.of(5L, 0L, 5L, 0L, 5L), bodySizes());
    }

    @Test
    void aBodyLargerThanABufferArrivingInPartsThenAGetOnTheSameConnection() throws Exception {
        ArrayByteBufferPool pool = bufferPool();
        int length = 300_000;
        byte[] body = "x".repeat(length).getBytes(StandardCharsets.ISO_8859_1);
        try (Socket socket = RawHttp.connect("127.0.0.1", proxy.port())) {
            InputStream in = new BufferedInputStream(socket.getInputStream());
            RawHttp.write(socket, "POST /app/big HTTP/1.1\r\nHost: a\r\nContent-Length: " + length + "\r\n\r\n");
            // Larger than any one read: the proxy takes the body in parts, the last with a GET right behind it.
            socket.getOutputStream().write(body, 0, 100_000);
            socket.getOutputStream().write(body, 100_000, length - 100_000);
            RawHttp.write(socket, "GET /app/after HTTP/1.1\r\nHost: a\r\n\r\n");
            assertEquals(200, RawHttp.read(in).status());
            assertEquals("node1", RawHttp.read(in).body());
            send(socket, "/app/last");
            assertEquals("node1", RawHttp.read(in).body());
            await().atMost(Duration.ofSeconds(10)).until(() -> buffersInUse(pool) == 0);
        }
        assertEquals(List.of("/app/big", "/app/after", "/app/last"), targets());
        assertEquals((long) length, backend.received().get(0).bodyBytes());
    }

    @Test
    void aPostAnsweredByJettyWithoutReadingItsBodyThenAGet() throws Exception {
        // No ProxyPass for /other: Jetty's 404, written before the handler returns, the body never read.
        List<RawHttp.Response> responses = RawHttp.exchangeAll("127.0.0.1", proxy.port(), List.of(
                "POST /other HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
                "GET /app/1 HTTP/1.1\r\nHost: a\r\n\r\n",
                "POST /other HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
                "GET /app/2 HTTP/1.1\r\nHost: a\r\n\r\n"), false);
        assertEquals(List.of(404, 200, 404, 200), responses.stream().map(RawHttp.Response::status).toList());
        assertEquals(List.of("/app/1", "/app/2"), targets());
    }

    @Test
    void aConnectionWhoseRequestAskedForCloseEndsAfterItsResponseWithoutWaitingForTheClient() throws Exception {
        for (String request : List.of(
                "GET /app/1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
                "POST /app/2 HTTP/1.1\r\nHost: a\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello",
                "GET /app/3 HTTP/1.0\r\nHost: a\r\n\r\n")) {
            try (Socket socket = RawHttp.connect("127.0.0.1", proxy.port())) {
                RawHttp.write(socket, request);
                InputStream in = new BufferedInputStream(socket.getInputStream());
                assertEquals("node1", RawHttp.read(in).body());
                assertEquals(-1, in.read(), "the proxy's end is shut after the response");
                // The client keeps its end open: the proxy closes its connection all the same, at once.
                await().atMost(Duration.ofSeconds(5)).until(() -> proxy.connector(0).getConnectedEndPoints().stream()
                        .noneMatch(e -> e instanceof SelectorEndPoint s && !s.toMember()));
            }
        }
    }

    /** The paths the member was asked for, in order. */
    private List<String> targets() {
        return backend.received().stream().map(TestBackend.Received::rawTarget).toList();
    }

    /** The body sizes the member received, in order. */
    private List<Long> bodySizes() {
        return backend.received().stream().map(TestBackend.Received::bodyBytes).toList();
    }

    private ArrayByteBufferPool bufferPool() {
        return (ArrayByteBufferPool) proxy.connector(0).getByteBufferPool();
    }

    private static long buffersInUse(ArrayByteBufferPool pool) {
        return pool.getDirectByteBufferCount() - pool.getAvailableDirectByteBufferCount()
                + pool.getHeapByteBufferCount() - pool.getAvailableHeapByteBufferCount();
    }

    /** Watched for reading, and still so a while later: Jetty alone drops the interest within microseconds. */
    private static void assertWatchedForReading(SelectorEndPoint client) {
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
                .until(() -> client.watchedFor() == SelectionKey.OP_READ);
    }

    /** A member handler for {@code path} that answers {@code body} once the returned latch is counted down. */
    private CountDownLatch held(String path, String body) {
        CountDownLatch answer = new CountDownLatch(1);
        backend.on(path, exchange -> {
            awaitQuietly(answer);
            backend.reply(exchange, 200, body);
        });
        return answer;
    }

    private static void send(Socket socket, String path) throws IOException {
        RawHttp.write(socket, "GET " + path + " HTTP/1.1\r\nHost: a\r\n\r\n");
    }

    /** Sends a GET of {@code path}, then waits until the member has had {@code requests} requests in all. */
    private void sendAndAwaitAtMember(Socket socket, String path, int requests) throws IOException {
        send(socket, path);
        await().atMost(Duration.ofSeconds(10)).until(() -> backend.requestCount() == requests);
    }

    /** The proxy's end of the test's one client connection. */
    private SelectorEndPoint clientEndPoint() {
        List<SelectorEndPoint> clients = proxy.connector(0).getConnectedEndPoints().stream()
                .filter(e -> e instanceof SelectorEndPoint s && !s.toMember())
                .map(SelectorEndPoint.class::cast)
                .toList();
        assertEquals(1, clients.size(), "client connections");
        return clients.get(0);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
