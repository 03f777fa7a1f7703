package dev.affinity.proxy.server;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.affinity.proxy.balancer.Member;
import dev.affinity.proxy.config.ConfigReader;
import dev.affinity.proxy.config.ProxyConfig;
import dev.affinity.proxy.testing.Proxies;
import dev.affinity.proxy.testing.RawHttp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The backend leg ({@link BackendLeg}) for GET and HEAD, and for small bodies that came with their
 * head, against a member that answers with scripted bytes, for the framings and interim responses
 * the other tests' member never sends. Each test runs against a member given by IP address and
 * against one given by host name, which the leg resolves off the selector before it connects.
 */
@ParameterizedClass(name = "member {0}")
@ValueSource(strings = {"127.0.0.2", "localhost"})
class BackendLegTest {

    /**
     * The length /big announces: more than every buffer on the way holds together (Linux autotunes a
     * socket's receive buffer up to tcp_rmem's maximum, 32 MiB on these machines), so the member is
     * still writing when the proxy gives its connection up. Written in chunks until then.
     */
    private static final long BIG = 1L << 30;
    private static final byte[] CHUNK = "x".repeat(64 * 1024).getBytes(StandardCharsets.US_ASCII);
    /** Canned answers by request path; each is written as is after the request head is read. */
    private static final Map<String, String> ANSWERS = Map.of(
            "/chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
            "/close", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nclose",
            "/old", "HTTP/1.0 200 OK\r\n\r\nuntil the end",
            "/head", "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n",
            "/hints", "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
                    + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
            "/broken", "HTTP/1.1 2xx Nonsense\r\n\r\n",
            "/plain", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nplain",
            "/big", "HTTP/1.1 200 OK\r\nContent-Length: " + BIG + "\r\n\r\n",
            "/length-then-coding", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: gzip\r\n\r\nhello, and more",
            "/coding-then-length", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 5\r\n\r\nhello, and more");
    /** Answers that end the connection after them. */
    private static final java.util.Set<String> CLOSING = java.util.Set.of("/close", "/old", "/broken");

    @Parameter
    String memberHost;

    private ServerSocket member;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final AtomicInteger connections = new AtomicInteger();
    /** Connections the proxy closed while the member was still writing an answer. */
    private final AtomicInteger memberClosed = new AtomicInteger();
    /** When the member last finished an answer (System.nanoTime). */
    private volatile long lastAnswer;
    /** When the member last began to write an answer: the proxy cannot have had it before. */
    private volatile long lastAnswerBegun;
    /** Connections the proxy closed between requests, and when the member saw the last one end (System.nanoTime). */
    private final AtomicInteger closedBetweenRequests = new AtomicInteger();
    private volatile long lastClosedBetweenRequests;
    /** Every request head the member read, as soon as it read it (before any body). */
    private final java.util.concurrent.BlockingQueue<String> heads = new java.util.concurrent.LinkedBlockingQueue<>();
    private AffinityProxy proxy;
    /** Holds the answer to /hold until counted down. */
    private final java.util.concurrent.CountDownLatch hold = new java.util.concurrent.CountDownLatch(1);

    @BeforeEach
    void start() throws Exception {
        member = new ServerSocket(0, 50, InetAddress.getByName(memberHost));
        threads.execute(this::accept);
        proxy = Proxies.start(proxyPass(member.getLocalPort()));
    }

    private String proxyPass(int port) {
        return proxyPass(port, "");
    }

    /** @param memberKeys worker keys for the member, e.g. {@code ttl=1}; empty for none */
    private String proxyPass(int port, String memberKeys) {
        return "ProxyPass / http://" + memberHost + ":" + port + "/" + (memberKeys.isEmpty() ? "" : " " + memberKeys) + "\n";
    }

    private void restartProxy(String directives) throws Exception {
        proxy.close();
        proxy = Proxies.start(directives + proxyPass(member.getLocalPort()));
    }

    /** The proxy again, with these worker keys on its ProxyPass, e.g. {@code ttl=1}. */
    private void restartProxyWithMemberKeys(String keys) throws Exception {
        proxy.close();
        proxy = Proxies.start(proxyPass(member.getLocalPort(), keys));
    }

    /**
     * POST /echo whose body's second half is sent only once the member has the head, so it goes
     * through HttpClient; returns the head the member read.
     */
    private String postInTwoParts(OutputStream out, InputStream in) throws Exception {
        out.write("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhello".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String head = heads.poll(10, java.util.concurrent.TimeUnit.SECONDS);
        assertTrue(head != null, "the member got the head");
        out.write("world".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        assertEquals("helloworld", RawHttp.read(in).body());
        return head;
    }

    @AfterEach
    void stop() throws Exception {
        proxy.close();
        member.close();
        threads.shutdownNow();
    }

    private void accept() {
        while (!member.isClosed()) {
            try {
                Socket socket = member.accept();
                connections.incrementAndGet();
                threads.execute(() -> serve(socket));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            for (int served = 0; ; served++) {
                String head = RawHttp.head(in);
                if (head == null) {
                    lastClosedBetweenRequests = System.nanoTime();
                    closedBetweenRequests.incrementAndGet();
                    return;
                }
                heads.add(head);
                String path = head.split(" ")[1].split("\\?")[0];
                byte[] body = in.readNBytes(RawHttp.contentLength(head));
                if (path.equals("/gone") || path.equals("/vanish") && served > 0) {
                    // Closed without an answer, as a member that ends an idle connection just as it is reused.
                    return;
                }
                if (path.equals("/hold") && !released(hold)) {
                    return;
                }
                if (path.equals("/hints-vanish") && served > 0) {
                    // It had begun to answer: alive, and at work on the request.
                    out.write(ANSWERS.get("/hints").split("\r\n\r\n")[0].concat("\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    return;
                }
                lastAnswerBegun = System.nanoTime();
                if (path.equals("/in-two-parts")) {
                    // The body's last bytes come in a later read than its first ones, once the test saw those.
                    out.write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    if (!released(hold)) {
                        return;
                    }
                    out.write("world".getBytes(StandardCharsets.US_ASCII));
                } else if (path.equals("/extra")) {
                    // Bytes after the body that nobody asked for, in the same write.
                    out.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA".getBytes(StandardCharsets.US_ASCII));
                } else if (path.equals("/echo")) {
                    out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.write(body);
                } else {
                    out.write(ANSWERS.getOrDefault(path, ANSWERS.get("/plain")).getBytes(StandardCharsets.US_ASCII));
                }
                if (path.equals("/big")) {
                    writeBigBody(out);
                }
                out.flush();
                lastAnswer = System.nanoTime();
                if (CLOSING.contains(path)) {
                    return;
                }
            }
        } catch (IOException e) {
            // The proxy closed the connection while the member was writing.
            memberClosed.incrementAndGet();
        }
    }

    private static boolean released(java.util.concurrent.CountDownLatch latch) {
        try {
            return latch.await(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Until the proxy gives the connection up (an IOException), bounded in count and time all the same. */
    private static void writeBigBody(OutputStream out) throws IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        for (long sent = 0; sent < BIG && System.nanoTime() < deadline; sent += CHUNK.length) {
            out.write(CHUNK);
        }
    }

    /** GET /plain, then {@code request}, one after the other on one client connection. */
    private List<RawHttp.Response> afterAPlainOne(String request) throws IOException {
        return RawHttp.exchangeAll("127.0.0.1", proxy.port(), List.of("GET /plain HTTP/1.1\r\nHost: a\r\n\r\n", request), false);
    }

    /** Sends {@code requests} at once on a new client connection, whose last must close it; everything that came back. */
    private String sendAndReadAll(String requests) throws IOException {
        try (Socket client = new Socket("127.0.0.1", proxy.port())) {
            client.getOutputStream().write(requests.getBytes(StandardCharsets.US_ASCII));
            return new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    private RawHttp.Response get(String path) throws IOException {
        return RawHttp.exchange("127.0.0.1", proxy.port(), "GET " + path + " HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    }

    @Test
    void sequentialGetsOnOneClientConnectionShareOneConnectionToTheMember() throws Exception {
        List<RawHttp.Response> responses = RawHttp.exchangeAll("127.0.0.1", proxy.port(),
                java.util.Collections.nCopies(5, "GET /plain HTTP/1.1\r\nHost: a\r\n\r\n"), false);
        assertEquals(5, responses.size());
        for (RawHttp.Response r : responses) {
            assertEquals("plain", r.body());
        }
        assertEquals(1, connections.get(), "connections the member accepted");
    }

    /**
     * A small body that came with its head goes out with it, on the connection the GET before it
     * used: the leg's own pool, not HttpClient's. Any method: the body's Content-Length goes along.
     */
    @Test
    void aSmallBodyThatCameWithItsHeadGoesOnThePooledConnection() throws Exception {
        String form = "name=value&more=" + "x".repeat(4000);
        List<RawHttp.Response> responses = RawHttp.exchangeAll("127.0.0.1", proxy.port(), List.of(
                "GET /plain HTTP/1.1\r\nHost: a\r\n\r\n",
                "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                        + "Content-Length: " + form.length() + "\r\n\r\n" + form,
                "PUT /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
                "GET /plain HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"), false);
        assertEquals(List.of("plain", form, "hello", "plain"),
                responses.stream().map(RawHttp.Response::body).toList());
        assertEquals(1, connections.get(), "connections the member accepted");
        assertTrue(heads.stream().anyMatch(h -> h.startsWith("POST /echo ")
                && h.contains("Content-Type: application/x-www-form-urlencoded\r\n")), heads.toString());
    }

    /**
     * A connection to a member writes each request from a buffer of its own, reused while the next one
     * fits: each request reaches the member whole and alone, whether it is smaller than the one before
     * (nothing of that one goes along), larger, or too large for the connection to keep a buffer for.
     */
    @Test
    void requestsOfEverySizeOnOneMemberConnectionArriveExactlyAsSent() throws Exception {
        String large = "a".repeat(3000);
        String medium = "b".repeat(2000);
        String longQuery = "q=" + "c".repeat(5000);
        List<RawHttp.Response> responses = RawHttp.exchangeAll("127.0.0.1", proxy.port(), List.of(
                "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3000\r\n\r\n" + large,
                "GET /echo?short HTTP/1.1\r\nHost: a\r\n\r\n",
                "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\ntiny",
                "GET /echo?" + longQuery + " HTTP/1.1\r\nHost: a\r\n\r\n",
                "PUT /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 2000\r\n\r\n" + medium,
                "GET /plain HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"), false);
        assertEquals(List.of(large, "", "tiny", "", medium, "plain"),
                responses.stream().map(RawHttp.Response::body).toList());
        assertEquals(List.of("POST /echo HTTP/1.1", "GET /echo?short HTTP/1.1", "POST /echo HTTP/1.1",
                        "GET /echo?" + longQuery + " HTTP/1.1", "PUT /echo HTTP/1.1", "GET /plain HTTP/1.1"),
                heads.stream().map(h -> h.substring(0, h.indexOf("\r\n"))).toList(), "the request lines the member read");
        assertEquals(1, connections.get(), "connections the member accepted");
    }

    /**
     * A client whose Connection header names Content-Length cannot strip the length from its body:
     * the member would read that body, on a connection other clients share, as requests of its own.
     */
    @Test
    void aBodyAlwaysGoesWithItsLengthEvenWhenTheClientNamesItHopByHop() throws Exception {
        String smuggled = "GET /private HTTP/1.1\r\nHost: a\r\n\r\n";
        List<RawHttp.Response> responses = RawHttp.exchangeAll("127.0.0.1", proxy.port(), List.of(
                "POST /echo HTTP/1.1\r\nHost: a\r\nConnection: content-length\r\nContent-Length: " + smuggled.length()
                        + "\r\n\r\n" + smuggled,
                "GET /plain HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"), false);
        assertEquals(List.of(smuggled, "plain"), responses.stream().map(RawHttp.Response::body).toList());
        assertEquals(List.of("POST /echo ", "GET /plain "),
                heads.stream().map(h -> h.substring(0, h.indexOf(' ', 5) + 1)).toList(), "what the member read");
    }

    /** The headers a request's Connection header names stay with the proxy, on this leg as on HttpClient's. */
    @Test
    void theHeadersTheClientsConnectionHeaderNamesAreNotForwarded() throws Exception {
        RawHttp.Response response = RawHttp.exchange("127.0.0.1", proxy.port(), "GET /plain HTTP/1.1\r\nHost: a\r\n"
                + "Connection: close, X-Secret ,x-other\r\nX-Secret: 1\r\nX-Other: 2\r\nX-Kept: 3\r\n\r\n");
        assertEquals("plain", response.body());
        String head = heads.poll();
        assertTrue(head != null && head.contains("X-Kept: 3\r\n") && !head.contains("X-Secret")
                && !head.contains("X-Other") && !head.contains("Connection"), head);
    }

    /**
     * What a URI may not hold as it is (a {@code |}, a {@code %} that starts no escape, non-ASCII)
     * reaches the member percent-encoded, as java.net.URI and Tomcat take it; escapes stay as they are.
     */
    @Test
    void aTargetThatAUriCannotHoldIsSentPercentEncoded() throws Exception {
        // Here in the query; RequestTargetTest has them in the path, as httpd forwards them.
        byte[] request = "GET /plain?a|b&c=%zz&d=%41&e=caf\u00e9 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.UTF_8);
        RawHttp.Response response = RawHttp.exchange("127.0.0.1", proxy.port(), new String(request, StandardCharsets.ISO_8859_1));
        assertEquals(200, response.status(), response.body());
        String head = heads.poll();
        assertTrue(head != null && head.startsWith("GET /plain?a%7Cb&c=%25zz&d=%41&e=caf%C3%A9 HTTP/1.1\r\n"), head);
    }

    /**
     * Requests without a body go on the pooled connection whatever their method; a POST or PUT with
     * no Content-Length gets {@code Content-Length: 0}, as HttpClient sends it.
     */
    @Test
    void bodylessRequestsOfAnyMethodGoOnThePooledConnection() throws Exception {
        List<RawHttp.Response> responses = RawHttp.exchangeAll("127.0.0.1", proxy.port(), List.of(
                "GET /plain HTTP/1.1\r\nHost: a\r\n\r\n",
                "DELETE /plain HTTP/1.1\r\nHost: a\r\n\r\n",
                "OPTIONS /plain HTTP/1.1\r\nHost: a\r\nOrigin: http://app.example\r\n\r\n",
                "POST /plain HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
                "PUT /plain HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"), false);
        assertEquals(List.of("plain", "plain", "plain", "plain", "plain"),
                responses.stream().map(RawHttp.Response::body).toList());
        assertEquals(1, connections.get(), "connections the member accepted");
        List<String> all = List.copyOf(heads);
        assertEquals(List.of("GET", "DELETE", "OPTIONS", "POST", "PUT"),
                all.stream().map(h -> h.substring(0, h.indexOf(' '))).toList());
        assertTrue(!all.get(1).contains("Content-Length") && !all.get(2).contains("Content-Length"), all.toString());
        // The POST's own header goes once; the PUT, which had none, gets one.
        assertEquals(1, all.get(3).split("Content-Length: 0\r\n", -1).length - 1, all.get(3));
        assertTrue(all.get(4).contains("Content-Length: 0\r\n"), all.get(4));
    }

    /**
     * A body still on its way when the request is handled goes to the member as it comes: the member
     * has the head (and the part that came with it) before the client sends the rest.
     */
    @Test
    void aBodyStillOnItsWayStreamsToTheMemberWithThePartThatCameFirst() throws Exception {
        try (Socket client = new Socket("127.0.0.1", proxy.port())) {
            client.setSoTimeout(10_000);
            OutputStream out = client.getOutputStream();
            // A | in the query: HttpClient, which carries the rest of the body, takes it percent-encoded too.
            out.write(("POST /echo?a|b HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\nConnection: close\r\n\r\n"
                    + "hello").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String head = heads.poll(10, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(head != null && head.startsWith("POST /echo?a%7Cb "), "the member got the head first: " + head);
            out.write("world".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            RawHttp.Response response = RawHttp.read(new java.io.BufferedInputStream(client.getInputStream()));
            assertEquals(200, response.status());
            assertEquals("helloworld", response.body());
        }
    }

    /** A client that ends its side of the connection part-way through its body gets 400, at once. */
    @Test
    void aBodyCutShortByTheClientIsRefusedWith400() throws Exception {
        try (Socket client = new Socket("127.0.0.1", proxy.port())) {
            client.setSoTimeout(10_000);
            client.getOutputStream().write(("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhello")
                    .getBytes(StandardCharsets.US_ASCII));
            client.shutdownOutput();
            RawHttp.Response response = RawHttp.read(new java.io.BufferedInputStream(client.getInputStream()));
            assertEquals(400, response.status(), response.body());
        }
    }

    @Test
    void aChunkedBodyArrivesWhole() throws Exception {
        RawHttp.Response response = get("/chunked");
        assertEquals(200, response.status());
        assertEquals("hello world", response.body());
    }

    @Test
    void aMemberThatClosesAfterItsAnswerIsNotAskedAgainOnThatConnection() throws Exception {
        assertEquals("close", get("/close").body());
        assertEquals("plain", get("/plain").body());
        assertEquals("until the end", get("/old").body());
        assertEquals("plain", get("/plain").body());
        assertEquals(3, connections.get(), "a new connection after each closing answer");
    }

    @Test
    void aHeadAnswerHasNoBodyAndTheConnectionGoesOn() throws Exception {
        // Pipelined: the GET is answered on the same client connection once the HEAD is.
        String all = sendAndReadAll("HEAD /head HTTP/1.1\r\nHost: a\r\n\r\n"
                + "GET /plain HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        int second = all.indexOf("HTTP/1.1 200", 1);
        assertTrue(all.startsWith("HTTP/1.1 200") && second > 0, all);
        String head = all.substring(0, second);
        assertTrue(head.contains("Content-Length: 1234\r\n") && head.endsWith("\r\n\r\n"), "no body after the head: " + all);
        assertTrue(all.endsWith("\r\n\r\nplain"), all);
        assertEquals(1, connections.get(), "connections the member accepted");
    }

    @Test
    void earlyHintsReachTheClientBeforeTheAnswer() throws Exception {
        String all = sendAndReadAll("GET /hints HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        int hints = all.indexOf("HTTP/1.1 103");
        int answer = all.indexOf("HTTP/1.1 200");
        assertTrue(hints >= 0 && answer > hints, all);
        assertTrue(all.substring(hints, answer).contains("Link: </style.css>; rel=preload"), all);
        assertTrue(all.endsWith("\r\n\r\nok"), all);
    }

    @Test
    void aGetWhosePooledConnectionEndsUnansweredGoesOnceMoreOnANewConnection() throws Exception {
        List<RawHttp.Response> responses = afterAPlainOne("GET /vanish HTTP/1.1\r\nHost: a\r\n\r\n");
        assertEquals(List.of(200, 200), responses.stream().map(RawHttp.Response::status).toList());
        assertEquals("plain", responses.get(1).body());
        assertEquals(2, connections.get(), "the pooled connection, then a new one");
    }

    @Test
    void withNoFailoverAllowedTheRequestStillGoesOnceMoreToItsMember() throws Exception {
        proxy.close();
        proxy = Proxies.start("<Proxy balancer://c>\n    BalancerMember http://" + memberHost + ":" + member.getLocalPort()
                + "\n    ProxySet maxattempts=0\n</Proxy>\nProxyPass / balancer://c/\n");
        List<RawHttp.Response> responses = afterAPlainOne("GET /vanish HTTP/1.1\r\nHost: a\r\n\r\n");
        assertEquals(List.of(200, 200), responses.stream().map(RawHttp.Response::status).toList());
        assertEquals(2, connections.get());
    }

    @Test
    void aFirstRequestOnANewConnectionThatEndsUnansweredIsNotSentAgain() throws Exception {
        assertEquals(502, get("/gone").status());
        assertEquals(1, connections.get(), "a new connection's failure is the member's");
    }

    @Test
    void aPostWhosePooledConnectionEndsUnansweredIsNotSentAgain() throws Exception {
        List<RawHttp.Response> responses = afterAPlainOne("POST /vanish HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello");
        // The member may have acted on it: as for a member that fails after it got the request.
        assertEquals(List.of(200, 502), responses.stream().map(RawHttp.Response::status).toList());
        assertEquals(1, connections.get());
    }

    @Test
    void aNewConnectionThatEndsUnansweredTooIsTheMembersFailure() throws Exception {
        List<RawHttp.Response> responses = afterAPlainOne("GET /gone HTTP/1.1\r\nHost: a\r\n\r\n");
        assertEquals(List.of(200, 502), responses.stream().map(RawHttp.Response::status).toList());
        assertEquals(2, connections.get(), "one more try, on one new connection");
    }

    @Test
    void aPooledConnectionThatEndsAfterAnInterimAnswerIsTheMembersFailure() throws Exception {
        String all = sendAndReadAll("GET /plain HTTP/1.1\r\nHost: a\r\n\r\n"
                + "GET /hints-vanish HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        assertTrue(all.contains("HTTP/1.1 103") && all.contains("HTTP/1.1 502"), all);
        assertEquals(1, connections.get(), "not sent again");
    }

    /**
     * Two pooled connections that both end unanswered: the request goes once more on a new connection,
     * not on the other pooled one.
     */
    @Test
    void theRequestGoesAgainOnANewConnectionNotOnAnotherPooledOne() throws Exception {
        List<Socket> clients = new java.util.ArrayList<>();
        try {
            // One selector's slot holds a member's pooled connections: two clients on one selector.
            int selectors = Runtime.getRuntime().availableProcessors();
            for (int i = 0; i <= selectors; i++) {
                clients.add(RawHttp.connect("127.0.0.1", proxy.port()));
            }
            Socket[] pair = sameSelector(clients);
            InputStream first = new java.io.BufferedInputStream(pair[0].getInputStream());
            InputStream second = new java.io.BufferedInputStream(pair[1].getInputStream());
            RawHttp.write(pair[0], "GET /hold HTTP/1.1\r\nHost: a\r\n\r\n");
            assertTrue(heads.poll(10, java.util.concurrent.TimeUnit.SECONDS) != null, "the member has /hold");
            RawHttp.write(pair[1], "GET /plain HTTP/1.1\r\nHost: a\r\n\r\n");
            assertEquals(200, RawHttp.read(second).status());
            hold.countDown();
            assertEquals(200, RawHttp.read(first).status());
            assertEquals(2, connections.get(), "two connections to the member, both pooled now");
            RawHttp.write(pair[0], "GET /vanish HTTP/1.1\r\nHost: a\r\n\r\n");
            RawHttp.Response again = RawHttp.read(first);
            assertEquals(200, again.status());
            assertEquals("plain", again.body());
            assertEquals(3, connections.get(), "one more, new");
        } finally {
            for (Socket client : clients) {
                client.close();
            }
        }
    }

    /** Two of these clients whose connections the same selector serves (there are more clients than selectors). */
    private Socket[] sameSelector(List<Socket> clients) {
        await().atMost(Duration.ofSeconds(10)).until(() -> clientEndPoints().size() == clients.size());
        Map<Integer, Object> selectorOfPort = new java.util.HashMap<>();
        for (SelectorEndPoint endPoint : clientEndPoints()) {
            selectorOfPort.put(endPoint.getRemoteSocketAddress() instanceof java.net.InetSocketAddress a ? a.getPort() : -1,
                    endPoint.selector());
        }
        for (int i = 0; i < clients.size(); i++) {
            for (int j = i + 1; j < clients.size(); j++) {
                Object a = selectorOfPort.get(clients.get(i).getLocalPort());
                if (a != null && a == selectorOfPort.get(clients.get(j).getLocalPort())) {
                    return new Socket[] {clients.get(i), clients.get(j)};
                }
            }
        }
        throw new AssertionError("no two clients on one selector: " + selectorOfPort);
    }

    private List<SelectorEndPoint> clientEndPoints() {
        return proxy.connector(0).getConnectedEndPoints().stream()
                .filter(e -> e instanceof SelectorEndPoint s && !s.toMember())
                .map(SelectorEndPoint.class::cast)
                .toList();
    }

    /**
     * A GET whose answer is malformed may be replayed (AttemptFailure); with no other member to try,
     * the client gets 502, the member's failure. The next request is served.
     */
    @Test
    void aMalformedAnswerFailsTheAttemptAndTheProxyCarriesOn() throws Exception {
        assertEquals(502, get("/broken").status());
        assertEquals("plain", get("/plain").body());
    }

    /**
     * A body whose last bytes come after its first ones went out to the client: the first part is
     * written as it comes, the rest with the end of the response, and the connection serves the next.
     */
    @Test
    void aBodyThatComesInTwoPartsArrivesWhole() throws Exception {
        try (Socket client = new Socket("127.0.0.1", proxy.port())) {
            client.setSoTimeout(10_000);
            InputStream in = new java.io.BufferedInputStream(client.getInputStream());
            OutputStream out = client.getOutputStream();
            out.write("GET /in-two-parts HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            StringBuilder first = new StringBuilder();
            while (!first.toString().endsWith("\r\n\r\nhello")) {
                int b = in.read();
                assertTrue(b >= 0, "the connection ended after " + first);
                first.append((char) b);
            }
            hold.countDown();
            assertEquals("world", new String(in.readNBytes(5), StandardCharsets.US_ASCII));
            out.write("GET /plain HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertEquals("plain", RawHttp.read(in).body());
        }
        assertEquals(1, connections.get());
    }

    /** Bytes after a body with a length are not the client's: it gets the body, and the connection ends. */
    @Test
    void bytesAfterABodyStayWithTheMember() throws Exception {
        List<RawHttp.Response> responses = RawHttp.exchangeAll("127.0.0.1", proxy.port(),
                List.of("GET /extra HTTP/1.1\r\nHost: a\r\n\r\n", "GET /plain HTTP/1.1\r\nHost: a\r\n\r\n"), false);
        assertEquals(List.of("hello", "plain"), responses.stream().map(RawHttp.Response::body).toList());
        assertEquals(2, connections.get());
    }

    /**
     * An answer with both a length and a transfer coding could end at either (RFC 9112 6.3: a
     * smuggling vector): it is malformed, whichever comes first, and never reaches the client in part.
     */
    @Test
    void anAnswerWithALengthAndATransferCodingIsA502() throws Exception {
        assertEquals(502, get("/length-then-coding").status());
        assertEquals(502, get("/coding-then-length").status());
        assertEquals("plain", get("/plain").body());
    }

    /**
     * A pooled connection idle for longer than the member's timeout (but not its ttl, 15 s by default) is
     * reused: the exchange's timeout counts from when it starts, not from the connection's last use.
     */
    @Test
    void aConnectionIdleLongerThanTheTimeoutIsReusedNotTimedOut() throws Exception {
        restartProxy("ProxyTimeout 1\n");
        // One client connection, so both requests are served on the same selector and its pool.
        try (Socket client = new Socket("127.0.0.1", proxy.port())) {
            client.setSoTimeout(10_000);
            InputStream in = new java.io.BufferedInputStream(client.getInputStream());
            byte[] request = "GET /plain HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            client.getOutputStream().write(request);
            assertEquals("plain", RawHttp.read(in).body());
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                    .until(() -> System.nanoTime() - lastAnswer > Duration.ofMillis(1300).toNanos());
            client.getOutputStream().write(request);
            RawHttp.Response again = RawHttp.read(in);
            assertEquals(200, again.status(), again.body());
            assertEquals("plain", again.body());
        }
        assertEquals(1, connections.get(), "the idle connection was reused");
    }

    /**
     * httpd's ttl: a connection idle in the pool that long is closed by the proxy (not at once, and
     * not only when the member's timeout would end it), and the next request opens another.
     */
    @Test
    void aConnectionIdleForItsTtlIsClosedAndTheNextRequestOpensAnother() throws Exception {
        restartProxyWithMemberKeys("ttl=1");
        try (Socket client = RawHttp.connect("127.0.0.1", proxy.port())) {
            InputStream in = new java.io.BufferedInputStream(client.getInputStream());
            byte[] request = "GET /plain HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            client.getOutputStream().write(request);
            assertEquals("plain", RawHttp.read(in).body());
            assertClosedAfterTtl(Duration.ofSeconds(1));

            client.getOutputStream().write(request);
            assertEquals("plain", RawHttp.read(in).body());
        }
        assertEquals(2, connections.get(), "the second request came on a new connection");
    }

    /** The same ttl holds for HttpClient's connections (here: a body that came after its head). */
    @Test
    void httpClientsConnectionsKeepTheMembersTtlToo() throws Exception {
        restartProxyWithMemberKeys("ttl=1");
        try (Socket client = RawHttp.connect("127.0.0.1", proxy.port())) {
            postInTwoParts(client.getOutputStream(), new java.io.BufferedInputStream(client.getInputStream()));
            assertClosedAfterTtl(Duration.ofSeconds(1));
        }
    }

    /**
     * httpd's disablereuse=On: each request says {@code Connection: close} and goes on a connection of
     * its own, even to a member that would keep the connection open (this one does).
     */
    @Test
    void withDisablereuseEachRequestHasAConnectionOfItsOwn() throws Exception {
        restartProxyWithMemberKeys("disablereuse=On");
        String get = "GET /plain HTTP/1.1\r\nHost: a\r\n\r\n";
        List<RawHttp.Response> answers = RawHttp.exchangeAll("127.0.0.1", proxy.port(), List.of(get, get), false);
        assertEquals(List.of("plain", "plain"), answers.stream().map(RawHttp.Response::body).toList());
        assertEquals(2, connections.get(), "connections the member accepted");
        assertEquals(2, heads.stream().filter(h -> h.contains("\r\nConnection: close\r\n")).count(), heads.toString());
    }

    /** The same on HttpClient's leg (here: bodies that came after their heads). */
    @Test
    void withDisablereuseHttpClientsRequestsHaveAConnectionOfTheirOwnToo() throws Exception {
        restartProxyWithMemberKeys("disablereuse=On");
        try (Socket client = RawHttp.connect("127.0.0.1", proxy.port())) {
            InputStream in = new java.io.BufferedInputStream(client.getInputStream());
            for (int i = 0; i < 2; i++) {
                String head = postInTwoParts(client.getOutputStream(), in);
                assertTrue(head.contains("\r\nConnection: close\r\n"), "the member got: " + head);
            }
        }
        assertEquals(2, connections.get(), "connections the member accepted");
    }

    /** The member saw its one connection end between requests, no sooner than the ttl after it began its answer. */
    private void assertClosedAfterTtl(Duration ttl) {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> closedBetweenRequests.get() == 1);
        Duration idle = Duration.ofNanos(lastClosedBetweenRequests - lastAnswerBegun);
        assertTrue(idle.compareTo(ttl) >= 0, "closed after " + idle.toMillis() + " ms idle");
        assertTrue(idle.compareTo(ttl.plusSeconds(5)) < 0, "closed after " + idle.toMillis() + " ms idle");
    }

    /**
     * A client that reads a little of a large answer and hangs up: the proxy drops the member's
     * connection (the rest of that answer has nowhere to go) and goes on serving on a new one.
     */
    @Test
    void aClientThatHangsUpMidAnswerCostsTheMemberConnectionAndNothingElse() throws Exception {
        try (Socket client = new Socket("127.0.0.1", proxy.port())) {
            client.getOutputStream().write("GET /big HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] some = client.getInputStream().readNBytes(4096);
            assertEquals(4096, some.length);
            assertTrue(new String(some, StandardCharsets.US_ASCII).startsWith("HTTP/1.1 200"));
        }
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> memberClosed.get() == 1);
        assertEquals("plain", get("/plain").body());
        assertEquals(2, connections.get(), "a new connection after the abandoned one");
    }

    /** Every http member goes over this leg, whatever its timeouts; https ones go through HttpClient. */
    @Test
    void theLegServesEveryHttpMemberAndLeavesHttpsToHttpClient() {
        ProxyConfig config = ConfigReader.parse("coverage.conf", """
                <Proxy balancer://c>
                    BalancerMember http://%s:9001 route=plain
                    BalancerMember http://%s:9002 route=timeouts timeout=5 connectiontimeout=500ms
                    BalancerMember https://%s:9443 route=tls
                </Proxy>
                ProxyPass / balancer://c/
                """.formatted(memberHost, memberHost, memberHost));
        List<Member> members = new Backends(config).all().values().stream()
                .flatMap(b -> b.members().stream()).toList();
        BackendClients clients = new BackendClients(Runnable::run, null, 1, config.timeout(),
                members.stream().map(Member::config).toList());
        BackendLeg leg = new BackendLeg(null, null, null, clients);
        Map<String, Boolean> served = new java.util.TreeMap<>();
        for (Member m : members) {
            served.put(m.route(), leg.serves(m));
        }
        assertEquals(Map.of("plain", true, "timeouts", true, "tls", false), served);
    }

    /**
     * A member that does not accept within its own connectiontimeout (far below ProxyTimeout) fails
     * the connect: the client gets 503 from the member's timeout, not the proxy-wide one.
     */
    @Test
    void aMemberThatDoesNotAcceptWithinItsConnectionTimeoutFailsTheAttempt() throws Exception {
        List<Socket> queued = new java.util.ArrayList<>();
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getByName(memberHost))) {
            // Fill its accept queue: from then on the kernel drops connection attempts, as a host that is down does.
            boolean full = false;
            for (int i = 0; i < 16 && !full; i++) {
                Socket s = new Socket();
                queued.add(s);
                try {
                    s.connect(silent.getLocalSocketAddress(), 200);
                } catch (java.net.SocketTimeoutException e) {
                    full = true;
                }
            }
            assertTrue(full, "the silent member's accept queue filled up");
            proxy.close();
            proxy = Proxies.start("ProxyTimeout 60\n<Proxy balancer://slow>\n    BalancerMember http://" + memberHost + ":"
                    + silent.getLocalPort() + " connectiontimeout=300ms\n</Proxy>\nProxyPass / balancer://slow/\n");
            try (Socket client = new Socket("127.0.0.1", proxy.port())) {
                // Well below ProxyTimeout and Jetty's 15 s default connect timeout: only the member's own fits.
                client.setSoTimeout(5_000);
                client.getOutputStream().write("GET /plain HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                RawHttp.Response response = RawHttp.read(new java.io.BufferedInputStream(client.getInputStream()));
                assertEquals(503, response.status(), response.body());
            }
        } finally {
            for (Socket s : queued) {
                s.close();
            }
        }
    }
}
