package dev.affinity.proxy.server;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.affinity.proxy.testing.RawHttp;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.AbstractEndPoint;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The same bytes sent to a {@link CommonRequestConnection} and to Jetty's own connection, both under
 * the proxy's settings and with the same handler: the same bytes come back, and the connection goes
 * on or ends alike. The handler does, on each path, one of the things the proxy's handler does with a
 * response (a length or none, chunks, an interim answer, an error page, a failure before or after the
 * head went out, an answer from another thread). Each case sends its requests at once, pipelined.
 */
class CommonRequestConnectionTest {

    /** A request line, where a body before it may end without a line break. */
    private static final Pattern REQUEST_LINE = Pattern.compile("([A-Z]+) \\S+ HTTP/1\\.[01]\r\n");
    /** Short, for the tests of what the idle timeout ends; long beside what any other test waits for. */
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(1);
    private static final String PROBE = "GET /text HTTP/1.1\r\nHost: probe\r\n\r\n";

    /** Every buffer either connection takes goes back: checked after each test. */
    private final ArrayByteBufferPool.Tracking buffers = new ArrayByteBufferPool.Tracking();
    private Server server;
    private ServerConnector common;
    private ServerConnector jetty;
    /** What /held waits for before it answers. */
    private final CompletableFuture<Void> held = new CompletableFuture<>();
    /** The class of each request the handler got, in order, as "port class". */
    private final Queue<String> served = new ConcurrentLinkedQueue<>();

    @BeforeEach
    void start() throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(16, 2);
        threads.setName("common-test");
        server = new Server(threads, null, buffers);
        common = new ServerConnector(server, 1, 1, new ClientConnectionFactory(AffinityProxy.httpConfiguration(), true));
        jetty = new ServerConnector(server, 1, 1, new ClientConnectionFactory(AffinityProxy.httpConfiguration(), false));
        for (ServerConnector connector : List.of(common, jetty)) {
            connector.setHost("127.0.0.1");
            connector.setIdleTimeout(IDLE_TIMEOUT.toMillis());
            server.addConnector(connector);
        }
        server.setHandler(new ScriptedHandler());
        server.start();
    }

    @AfterEach
    void stop() throws Exception {
        server.stop();
        // A connection gives its buffer back just after it closes, which the client may see first.
        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertEquals(Set.of(), buffers.getLeaks(), buffers::dumpLeaks));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "GET /text HTTP/1.1\r\nHost: a\r\n\r\n",
        "HEAD /text HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /unsized HTTP/1.1\r\nHost: a\r\n\r\nHEAD /unsized HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /chunks HTTP/1.1\r\nHost: a\r\n\r\nHEAD /chunks HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /nothing HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /status?code=299 HTTP/1.1\r\nHost: a:8080\r\nX-Odd:  spaced \r\n\r\n",
        "GET /status?code=204 HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /status?code=200 HTTP/1.1\r\nHost: a:80\r\n\r\nGET /status?code=200 HTTP/1.1\r\nHost: [::1]:81\r\n\r\n",
        "GET /not-modified HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /not-modified?length=10 HTTP/1.1\r\nHost: a\r\n\r\nHEAD /text HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /close HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /text HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
        "GET /text HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, close\r\n\r\n",
        "GET /short HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /length-only HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /fail-later HTTP/1.1\r\nHost: a\r\n\r\nGET /text HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /fail-after-last HTTP/1.1\r\nHost: a\r\n\r\nGET /text HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /later HTTP/1.1\r\nHost: a\r\n\r\nGET /fail-after-head HTTP/1.1\r\nHost: a\r\n\r\nGET /text HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /long HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /fail-after-head HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /error HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /error HTTP/1.1\r\nHost: a\r\nAccept: application/json\r\n\r\n",
        "HEAD /error HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /throw HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /fail HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /nobody-here HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /interim HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /later HTTP/1.1\r\nHost: a\r\n\r\nGET /text HTTP/1.1\r\nHost: a\r\n\r\nGET /chunks HTTP/1.1\r\nHost: a\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nname=value",
        // Fields that repeat from one request to the next on a connection, and fields that change at the same line.
        "GET /fields HTTP/1.1\r\nHost: a\r\nX-A: 1\r\nCookie: c=1\r\n\r\nGET /fields HTTP/1.1\r\nHost: a\r\nX-A: 1\r\nCookie: c=1\r\n\r\n"
            + "GET /fields HTTP/1.1\r\nhost: b:81\r\nX-A: 2\r\nCookie: c=1\r\n\r\nGET /fields HTTP/1.1\r\nHost: b:81\r\nx-a: 2\r\nCookie:  c=2\r\n\r\n"
            + "GET /fields HTTP/1.1\r\nHost: b:81\r\nContent-Length: 0\r\nCookie: c=2\r\n\r\nGET /fields HTTP/1.1\r\nHost: b:81\r\nX-A: 0\r\n\r\n"
            + "GET /fields?q=1 HTTP/1.1\r\nHost: b:81\r\n\r\nGET /fields?q=1 HTTP/1.1\r\nHost: a\r\n\r\nGET /fields?q=2 HTTP/1.1\r\nHost: a\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\nGET /text HTTP/1.1\r\nHost: a\r\n\r\n",
        "PUT /echo?x=1&y=2 HTTP/1.1\r\nHost: a\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nabcGET /later HTTP/1.1\r\nHost: a\r\n\r\n",
        "POST /text HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloGET /text HTTP/1.1\r\nHost: a\r\n\r\n",
        // Targets as browsers and clients send them, and as Jetty's checks judge them (404: the page names the URI).
        "GET /a%20b HTTP/1.1\r\nHost: a\r\n\r\nGET /caf%C3%A9?q=a+b&r=%20 HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /a//b HTTP/1.1\r\nHost: a\r\n\r\nGET /a/./b/../c HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /a;p=1/b HTTP/1.1\r\nHost: a\r\n\r\nGET /a%25b%E9 HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /a|b^c[d]{e}`f\"g<h> HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /a%2Fb HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /%2e%2e/b HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /a/..;/b HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /a\\b HTTP/1.1\r\nHost: a\r\n\r\nGET /a%5Cb HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /a%00b HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /a%u0041 HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /.. HTTP/1.1\r\nHost: a\r\n\r\n",
        // Not of the common shape: handed to Jetty's connection, with what follows.
        "GET /text HTTP/1.1\r\nHost: a\r\n\r\nGET /a HTTP/1.1\r\nHost: a\r\nX-Name: caf\u00e9\r\n\r\nGET /text HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /text HTTP/1.1\r\nHost: a\r\nX-Folded: 1\r\n 2\r\n\r\n",
        "GET /\r\n",
        "GET / HTTP/1\r\nHost: a\r\n\r\n",
        "GET /text HTTP/1.0\r\nHost: a\r\n\r\n",
        "GET /text HTTP/1.1\r\n\r\n",
        "GET /text HTTP/1.1\r\nHost: a:99999\r\n\r\n",
        "GET /text HTTP/1.1\r\nHost: a, b\r\n\r\n",
        "GET /text HTTP/1.1\r\nHost: a,b\r\n\r\n",
        // A Host that Jetty's own field checks judge (several values, quotes, parameters), and plain ones they pass.
        "GET /text HTTP/1.1\r\nHost: a,\r\n\r\nGET /text HTTP/1.1\r\nHost: \"a\"\r\n\r\n",
        "GET /text HTTP/1.1\r\nHost: \"\"\r\n\r\n",
        "GET /text HTTP/1.1\r\nHost: a;b\r\n\r\nGET /text HTTP/1.1\r\nHost: \"a, b\"\r\n\r\n",
        "GET /text HTTP/1.1\r\nHost: A:80\r\n\r\nGET /text HTTP/1.1\r\nHost: a.example:0\r\n\r\n",
        "GET /../text HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /text HTTP/1.1\r\nHost: a\r\nExpect: nothing\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    })
    void bothConnectionsAnswerTheSameBytesAndEndAlike(String requests) throws Exception {
        String viaJetty = transcript(jetty, requests);
        String viaCommon = transcript(common, requests);
        assertEquals(viaJetty, viaCommon);
    }

    @Test
    void aStoppingProxyEndsEachConnectionAfterTheResponseItIsServingAsJettysDoes() throws Exception {
        List<String> transcripts = new ArrayList<>();
        List<Socket> sockets = new ArrayList<>();
        try {
            for (ServerConnector connector : List.of(common, jetty)) {
                Socket socket = RawHttp.connect("127.0.0.1", connector.getLocalPort());
                sockets.add(socket);
                RawHttp.write(socket, "GET /held HTTP/1.1\r\nHost: a\r\n\r\n");
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> served.size() == 2);
            // Graceful: no new connections, and those open end after the response they are serving.
            List<CompletableFuture<Void>> stopped = List.of(common.shutdown(), jetty.shutdown());
            held.complete(null);
            for (Socket socket : sockets) {
                Recording in = new Recording(socket.getInputStream());
                response(in, false);
                transcripts.add(in.text() + (in.read() < 0 ? "[ended]" : "[open]"));
            }
            CompletableFuture.allOf(stopped.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        } finally {
            for (Socket socket : sockets) {
                socket.close();
            }
        }
        assertEquals(transcripts.get(1), transcripts.get(0));
        assertEquals("HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\nheld[ended]", transcripts.get(0));
    }

    @Test
    void anIdleConnectionEndsAtTheIdleTimeoutOnBoth() throws Exception {
        for (ServerConnector connector : List.of(common, jetty)) {
            try (Socket socket = RawHttp.connect("127.0.0.1", connector.getLocalPort())) {
                RawHttp.write(socket, "GET /text HTTP/1.1\r\nHost: a\r\n\r\n");
                InputStream in = socket.getInputStream();
                assertEquals(200, RawHttp.read(in).status());
                // Blocks until the proxy ends the connection; the socket's 10 s read timeout bounds it.
                assertEquals(-1, in.read());
            }
        }
    }

    @Test
    void nothingSentAfterTheIdleTimeoutEndedTheConnectionIsServed() throws Exception {
        for (ServerConnector connector : List.of(common, jetty)) {
            try (Socket socket = RawHttp.connect("127.0.0.1", connector.getLocalPort())) {
                InputStream in = socket.getInputStream();
                // The idle timeout shuts the proxy's end; the client's is still open, and it sends a request.
                assertEquals(-1, in.read());
                RawHttp.write(socket, "GET /text HTTP/1.1\r\nHost: a\r\n\r\n");
                await().atMost(Duration.ofSeconds(10)).until(() -> connector.getConnectedEndPoints().isEmpty());
            }
        }
        assertEquals(List.of(), new ArrayList<>(served));
    }

    @Test
    void aRequestTheHandlerHoldsPastTheIdleTimeoutIsStillAnsweredOnBoth() throws Exception {
        // Waiting for the member is the member's timeout's to end, not the client's idle timeout.
        try (Socket mine = RawHttp.connect("127.0.0.1", common.getLocalPort());
             Socket jettys = RawHttp.connect("127.0.0.1", jetty.getLocalPort())) {
            RawHttp.write(mine, "GET /held HTTP/1.1\r\nHost: a\r\n\r\n");
            RawHttp.write(jettys, "GET /held HTTP/1.1\r\nHost: a\r\n\r\n");
            await().atMost(Duration.ofSeconds(10)).until(() -> served.size() == 2);
            // The clock: two idle timeouts one after the other, each seen as the end of a connection
            // that stayed idle. The held requests' connections met theirs in the meantime.
            for (int timeouts = 0; timeouts < 2; timeouts++) {
                try (Socket idle = RawHttp.connect("127.0.0.1", common.getLocalPort())) {
                    assertEquals(-1, idle.getInputStream().read());
                }
            }
            held.complete(null);
            assertEquals("held", RawHttp.read(mine.getInputStream()).body());
            assertEquals("held", RawHttp.read(jettys.getInputStream()).body());
        }
    }

    @Test
    void aResponseTheHandlerEndsShortOfItsLengthEndsTheConnection() throws Exception {
        // Unlike Jetty's connection, which keeps it open as if the response were whole: the client
        // would wait for the rest. This one ends it, as it ends any response that cannot be completed.
        try (Socket socket = RawHttp.connect("127.0.0.1", common.getLocalPort())) {
            RawHttp.write(socket, "GET /short-then-done HTTP/1.1\r\nHost: a\r\n\r\n");
            InputStream in = socket.getInputStream();
            String head = RawHttp.head(in);
            assertEquals("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", head);
            assertEquals("hello", new String(in.readNBytes(5), StandardCharsets.US_ASCII));
            assertEquals(-1, in.read());
        }
    }

    @Test
    void aResponseTheClientStopsReadingEndsAtTheIdleTimeout() throws Exception {
        try (Socket socket = RawHttp.connect("127.0.0.1", common.getLocalPort())) {
            socket.setReceiveBufferSize(4096);
            RawHttp.write(socket, "GET /big HTTP/1.1\r\nHost: a\r\n\r\n");
            await().atMost(Duration.ofSeconds(10)).until(() -> served.size() == 1);
            // The client reads nothing: the write stalls, and the idle timeout ends the connection.
            await().atMost(Duration.ofSeconds(10)).until(() -> common.getConnectedEndPoints().isEmpty());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        // HTTP/0.9's line: too short to hold " HTTP/1.1", but already not it.
        "GET /\r\n|505",
        // A field line folded onto the next: its first byte says so.
        "GET /text HTTP/1.1\r\nHost: a\r\n |400",
    })
    void aHeadCutShortThatCannotBeOfTheCommonShapeIsJettysAtOnce(String sentAndStatus) throws Exception {
        String sent = sentAndStatus.substring(0, sentAndStatus.indexOf('|'));
        List<String> answers = new ArrayList<>();
        for (ServerConnector connector : List.of(common, jetty)) {
            try (Socket socket = RawHttp.connect("127.0.0.1", connector.getLocalPort())) {
                RawHttp.write(socket, sent);
                String head = RawHttp.head(socket.getInputStream());
                answers.add(head == null ? "(nothing)" : head.substring(0, head.indexOf("\r\n")));
            }
        }
        assertEquals(answers.get(1), answers.get(0));
        assertTrue(answers.get(0).startsWith("HTTP/1.1 " + sentAndStatus.substring(sentAndStatus.indexOf('|') + 1) + " "),
                answers.get(0));
    }

    @Test
    void theStartOfAHeadLeftWaitingGoesBackToThePoolWhenTheConnectionEnds() throws Exception {
        try (Socket socket = RawHttp.connect("127.0.0.1", common.getLocalPort())) {
            RawHttp.write(socket, "GET /te");
            awaitRead(common, 7);
            // The idle timeout shuts the proxy's end, the next one closes the connection; its buffer,
            // which held the start of the head, is checked after the test.
            assertEquals(-1, socket.getInputStream().read());
            await().atMost(Duration.ofSeconds(10)).until(() -> common.getConnectedEndPoints().isEmpty());
        }
    }

    @Test
    void aRequestWhoseHeadArrivesInPiecesIsServedHereAndAlike() throws Exception {
        List<String> pieces = List.of("GET /te", "xt HTTP/1.1\r\nHo", "st: a\r\nAccept: text/plain\r", "\n\r\n");
        List<String> transcripts = new ArrayList<>();
        for (ServerConnector connector : List.of(common, jetty)) {
            try (Socket socket = RawHttp.connect("127.0.0.1", connector.getLocalPort())) {
                Recording in = new Recording(socket.getInputStream());
                int sent = 0;
                for (String piece : pieces) {
                    RawHttp.write(socket, piece);
                    sent += piece.length();
                    // Each piece read before the next is sent.
                    awaitRead(connector, sent);
                }
                assertTrue(response(in, false));
                RawHttp.write(socket, PROBE);
                assertTrue(response(in, false));
                transcripts.add(in.text());
            }
        }
        assertEquals(transcripts.get(1), transcripts.get(0));
        assertEquals(List.of(common.getLocalPort() + " CommonRequest", common.getLocalPort() + " CommonRequest",
                jetty.getLocalPort() + " ChannelRequest", jetty.getLocalPort() + " ChannelRequest"), new ArrayList<>(served));
    }

    /**
     * Not against each other: both connections read request heads with the same code, which hands on a
     * target again when a request repeats the one before (and the common connection its fields and URI).
     */
    @Test
    void eachRequestOnAConnectionIsServedForItsOwnTargetAndHostOnBoth() throws Exception {
        String requests = "GET /fields?q=1 HTTP/1.1\r\nHost: a\r\n\r\nGET /fields?q=1 HTTP/1.1\r\nHost: a\r\n\r\n"
                + "GET /fields?q=2 HTTP/1.1\r\nHost: a\r\n\r\nGET /fields?q=2 HTTP/1.1\r\nHost: b:81\r\n\r\n"
                + "GET /fields HTTP/1.1\r\nHost: b:81\r\n\r\n";
        for (ServerConnector connector : List.of(common, jetty)) {
            Matcher uri = Pattern.compile("(?m)^http://\\S+").matcher(transcript(connector, requests));
            List<String> uris = new ArrayList<>();
            while (uri.find()) {
                uris.add(uri.group());
            }
            assertEquals(List.of("http://a/fields?q=1", "http://a/fields?q=1", "http://a/fields?q=2",
                    "http://b:81/fields?q=2", "http://b:81/fields"), uris);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/text", "/later", "/chunks", "/error", "/echo", "/caf%C3%A9?q=a+b", "/a//b"})
    void requestsOfTheCommonShapeAreServedByTheConnectionItself(String path) throws Exception {
        transcript(common, "GET " + path + " HTTP/1.1\r\nHost: a\r\n\r\n");
        transcript(jetty, "GET " + path + " HTTP/1.1\r\nHost: a\r\n\r\n");
        List<String> classes = new ArrayList<>(served);
        // The request, then the probe, on each.
        assertEquals(List.of(common.getLocalPort() + " CommonRequest", common.getLocalPort() + " CommonRequest",
                jetty.getLocalPort() + " ChannelRequest", jetty.getLocalPort() + " ChannelRequest"), classes);
    }

    /**
     * What a client reads after sending {@code requests} at once: each response (an interim one
     * besides its final one), its body by its length or chunks unless it answers a HEAD or cannot have
     * one; then, unless the connection ended, the response to one more request; and how it ended.
     */
    private String transcript(ServerConnector connector, String requests) throws IOException {
        List<Boolean> heads = new ArrayList<>();
        Matcher requestLine = REQUEST_LINE.matcher(requests);
        while (requestLine.find()) {
            heads.add(requestLine.group(1).equals("HEAD"));
        }
        int expected = heads.size();
        try (Socket socket = RawHttp.connect("127.0.0.1", connector.getLocalPort())) {
            Recording in = new Recording(socket.getInputStream());
            RawHttp.write(socket, requests);
            for (int i = 0; i < expected; i++) {
                if (!response(in, heads.get(i))) {
                    return in.text() + "[ended]";
                }
            }
            try {
                RawHttp.write(socket, PROBE);
            } catch (IOException closed) {
                return in.text() + "[ended before the probe]";
            }
            return response(in, false) ? in.text() + "[open]" : in.text() + "[ended]";
        }
    }

    /**
     * Until a connection of the connector has read {@code bytes}: on the connector that serves common
     * requests, one that still does.
     */
    private void awaitRead(ServerConnector connector, long bytes) {
        await().atMost(Duration.ofSeconds(10)).until(() -> connector.getConnectedEndPoints().stream()
                .map(EndPoint::getConnection)
                .anyMatch(c -> (connector != common || c instanceof CommonRequestConnection) && c.getBytesIn() >= bytes));
    }

    /** Reads one response and any interim ones before it: false if the stream ended first. */
    private static boolean response(Recording in, boolean toHead) throws IOException {
        while (true) {
            String head;
            try {
                head = RawHttp.head(in);
            } catch (IOException reset) {
                return false; // a connection ended with a reset reads as ended
            }
            if (head == null) {
                return false;
            }
            if (!head.startsWith("HTTP/1.1 ")) {
                throw new AssertionError("not a response: " + head + " after: " + in.text());
            }
            int status = Integer.parseInt(head.substring(9, 12));
            if (status / 100 == 1) {
                continue;
            }
            if (toHead || status == 204 || status == 304) {
                return true;
            }
            if (head.toLowerCase(Locale.ROOT).contains("transfer-encoding: chunked")) {
                return chunks(in);
            }
            int length = RawHttp.contentLength(head);
            return in.readNBytes(length).length == length;
        }
    }

    private static boolean chunks(Recording in) throws IOException {
        while (true) {
            String size = RawHttp.line(in);
            if (size == null) {
                return false;
            }
            int n = Integer.parseInt(size.strip(), 16);
            if (n == 0) {
                return "".equals(RawHttp.line(in));
            }
            if (in.readNBytes(n + 2).length != n + 2) {
                return false;
            }
        }
    }

    /** A stream that keeps every byte read from it. */
    private static final class Recording extends FilterInputStream {
        private final ByteArrayOutputStream read = new ByteArrayOutputStream();

        Recording(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                read.write(b);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                read.write(b, off, n);
            }
            return n;
        }

        String text() {
            return read.toString(StandardCharsets.ISO_8859_1);
        }
    }

    /** On each path, one thing the proxy's handler does with a response. */
    private final class ScriptedHandler extends Handler.Abstract.NonBlocking {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            served.add(Request.getLocalPort(request) + " " + request.getClass().getSimpleName());
            HttpFields.Mutable headers = response.getHeaders();
            switch (request.getHttpURI().getPath()) {
                case "/text" -> {
                    headers.put(HttpHeader.CONTENT_TYPE, "text/plain");
                    headers.put(HttpHeader.CONTENT_LENGTH, 5);
                    response.write(true, ascii("hello"), callback);
                }
                case "/unsized" -> response.write(true, ascii("no length given"), callback);
                case "/chunks" -> response.write(false, ascii("first "),
                        Callback.from(() -> response.write(true, ascii("second"), callback), callback::failed));
                case "/nothing" -> callback.succeeded();
                case "/status" -> {
                    response.setStatus(Integer.parseInt(request.getHttpURI().getQuery().substring(5)));
                    headers.add("X-Odd", request.getHeaders().get("X-Odd"));
                    headers.add(HttpHeader.HOST, request.getHttpURI().getAuthority());
                    callback.succeeded();
                }
                case "/not-modified" -> {
                    response.setStatus(HttpStatus.NOT_MODIFIED_304);
                    headers.put(HttpHeader.ETAG, "\"v1\"");
                    if (request.getHttpURI().getQuery() != null) {
                        // The length of the representation it stands for, as a member may send it.
                        headers.put(HttpHeader.CONTENT_LENGTH, 10);
                    }
                    response.write(true, BufferUtil.EMPTY_BUFFER, callback);
                }
                case "/close" -> {
                    headers.put(HttpHeader.CONNECTION, "close");
                    response.write(true, ascii("bye"), callback);
                }
                case "/short" -> {
                    headers.put(HttpHeader.CONTENT_LENGTH, 10);
                    response.write(true, ascii("hello"), callback);
                }
                case "/long" -> {
                    headers.put(HttpHeader.CONTENT_LENGTH, 2);
                    response.write(true, ascii("hello"), callback);
                }
                case "/length-only" -> {
                    headers.put(HttpHeader.CONTENT_LENGTH, 10);
                    callback.succeeded();
                }
                case "/fail-later" -> response.write(false, ascii("part"), Callback.from(() -> server.getScheduler().schedule(
                        () -> callback.failed(new IOException("the member went away")), 20, TimeUnit.MILLISECONDS),
                        callback::failed));
                case "/fail-after-last" -> response.write(true, ascii("done"),
                        Callback.from(() -> callback.failed(new IOException("too late")), callback::failed));
                case "/short-then-done" -> {
                    headers.put(HttpHeader.CONTENT_LENGTH, 10);
                    response.write(false, ascii("hello"), callback);
                }
                case "/fail-after-head" -> response.write(false, ascii("part"),
                        Callback.from(() -> callback.failed(new IOException("the member went away")), callback::failed));
                case "/error" -> Response.writeError(request, response, callback, HttpStatus.SERVICE_UNAVAILABLE_503,
                        "no member is usable");
                case "/throw" -> throw new IllegalStateException("a handler's bug");
                case "/fail" -> callback.failed(new HttpException.RuntimeException(HttpStatus.BAD_GATEWAY_502, "bad answer"));
                case "/interim" -> response.writeInterim(HttpStatus.EARLY_HINTS_103,
                        HttpFields.build().add(HttpHeader.LINK, "</style.css>; rel=preload"))
                        .whenComplete((ok, x) -> response.write(true, ascii("final"), callback));
                case "/big" -> response.write(true, ByteBuffer.allocate(64 * 1024 * 1024), callback);
                case "/held" -> held.thenRun(() -> response.write(true, ascii("held"), callback));
                case "/later" -> server.getScheduler().schedule(
                        () -> response.write(true, ascii("later"), callback), 20, TimeUnit.MILLISECONDS);
                case "/fields" -> {
                    // The URI, then each field as the handler sees it: name, value, and the kind of field made.
                    StringBuilder seen = new StringBuilder(request.getHttpURI().toString()).append('\n');
                    for (HttpField field : request.getHeaders()) {
                        seen.append(field.getName()).append(": ").append(field.getValue())
                                .append(" (").append(field.getClass().getSimpleName()).append(")\n");
                    }
                    response.write(true, ascii(seen.toString()), callback);
                }
                case "/echo" -> Content.Source.asStringAsync(request, StandardCharsets.UTF_8).whenComplete((body, x) -> {
                    if (x != null) {
                        callback.failed(x);
                    } else {
                        response.write(true, ascii(request.getMethod() + " " + body.length() + ":" + body), callback);
                    }
                });
                default -> {
                    return false;
                }
            }
            return true;
        }

        private static ByteBuffer ascii(String text) {
            return ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
        }
    }
}
