package dev.affinity.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.affinity.proxy.testing.Proxies;
import dev.affinity.proxy.testing.RawHttp;
import dev.affinity.proxy.testing.TestBackend;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The header rules of httpd's mod_proxy_http, checked on the wire: what the backend receives
 * (Host, X-Forwarded-*, Via, hop-by-hop) and what the client receives (ProxyPassReverse on
 * Location, Content-Location and URI; cookie domain and path rewriting; hop-by-hop).
 */
class HeaderRulesTest {

    private TestBackend backend;
    private AffinityProxy proxy;

    @BeforeEach
    void startBackend() throws Exception {
        backend = TestBackend.start("node1", "127.0.0.2");
        backend.on("/redirect", exchange -> {
            exchange.getResponseHeaders().add("Location", backend.url() + "/welcome?q=1");
            exchange.getResponseHeaders().add("Content-Location", backend.url() + "/content");
            exchange.getResponseHeaders().add("URI", backend.url() + "/uri");
            backend.reply(exchange, 302, "");
        });
        backend.on("/relative", exchange -> {
            exchange.getResponseHeaders().add("Location", "/elsewhere");
            backend.reply(exchange, 302, "");
        });
        backend.on("/cookies", exchange -> {
            exchange.getResponseHeaders().add("Set-Cookie", "a=1; Domain=127.0.0.2; Path=/app/x; HttpOnly");
            exchange.getResponseHeaders().add("Set-Cookie", "b=2; domain=127.0.0.2019; Path=/other");
            exchange.getResponseHeaders().add("Set-Cookie", "c=3;Domain=127.0.0.2 ;Max-Age=60");
            backend.reply(exchange, 200, "");
        });
        backend.on("/hop", exchange -> {
            exchange.getResponseHeaders().add("Connection", "X-Private");
            exchange.getResponseHeaders().add("X-Private", "secret");
            exchange.getResponseHeaders().add("X-Public", "kept");
            exchange.getResponseHeaders().add("Proxy-Authenticate", "Basic");
            backend.reply(exchange, 200, "");
        });
    }

    @AfterEach
    void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        backend.close();
    }

    private void startProxy(String extra) throws Exception {
        proxy = Proxies.start("<Proxy balancer://c>\n  BalancerMember " + backend.url() + "\n</Proxy>\n"
                + "ProxyPass / balancer://c/\n" + extra);
    }

    /** Writes a whole request, CRLFs included, and reads its response. */
    private RawHttp.Response send(String request) throws Exception {
        return RawHttp.exchange("127.0.0.1", proxy.port(), request);
    }

    private RawHttp.Response get(String path, String... headerLines) throws Exception {
        StringBuilder request = new StringBuilder("GET " + path + " HTTP/1.1\r\n");
        boolean hasHost = false;
        for (String h : headerLines) {
            hasHost |= h.regionMatches(true, 0, "Host:", 0, 5);
            request.append(h).append("\r\n");
        }
        if (!hasHost) {
            request.append("Host: 127.0.0.1:").append(proxy.port()).append("\r\n");
        }
        request.append("Connection: close\r\n\r\n");
        return send(request.toString());
    }

    @Test
    void theBackendGetsItsOwnHostAndTheForwardedHeadersAppended() throws Exception {
        startProxy("");
        get("/a?b=1", "Host: example.test:8080", "X-Forwarded-For: 1.2.3.4", "X-Forwarded-Host: a.test",
                "User-Agent: curl/8");
        TestBackend.Received r = backend.lastReceived();
        assertEquals("/a?b=1", r.rawTarget());
        assertEquals("127.0.0.2:" + backend.port(), r.header("Host"));
        assertEquals("1.2.3.4, 127.0.0.1", r.header("X-Forwarded-For"));
        assertEquals("a.test, example.test:8080", r.header("X-Forwarded-Host"));
        assertTrue(r.header("X-Forwarded-Server") != null && !r.header("X-Forwarded-Server").isEmpty());
        assertEquals("curl/8", r.header("User-Agent"), "the client's User-Agent, not the proxy's");
        assertNull(r.header("Via"), "ProxyVia is Off by default");
        assertNull(r.header("Forwarded"), "httpd sends no Forwarded header");
    }

    /** The client's address, worked out once per connection, is each request's own on that connection. */
    @Test
    void everyRequestOnAConnectionNamesItsClient() throws Exception {
        startProxy("");
        List<RawHttp.Response> responses = RawHttp.exchangeAll("127.0.0.1", proxy.port(), List.of(
                "GET /one HTTP/1.1\r\nHost: a\r\n\r\n",
                "GET /two HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 1.2.3.4\r\n\r\n",
                "GET /three HTTP/1.1\r\nHost: a\r\n\r\n"), false);
        assertEquals(List.of(200, 200, 200), responses.stream().map(RawHttp.Response::status).toList());
        List<TestBackend.Received> received = backend.received();
        assertEquals(List.of("127.0.0.1", "1.2.3.4, 127.0.0.1", "127.0.0.1"),
                received.subList(received.size() - 3, received.size()).stream().map(r -> r.header("X-Forwarded-For")).toList());
    }

    /**
     * A body without a Content-Type reaches the member without one, on both legs: chunked and large
     * bodies go through HttpClient, whose default would add application/octet-stream.
     */
    @Test
    void aBodyWithoutAContentTypeGetsNone() throws Exception {
        startProxy("");
        String host = "Host: 127.0.0.1:" + proxy.port() + "\r\n";
        String large = "x".repeat(ArrivedBody.MAX_LENGTH + 1);
        for (String request : List.of(
                "POST /small HTTP/1.1\r\n" + host + "Content-Length: 5\r\nConnection: close\r\n\r\nhello",
                "POST /chunked HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                        + "5\r\nhello\r\n0\r\n\r\n",
                "POST /large HTTP/1.1\r\n" + host + "Content-Length: " + large.length() + "\r\nConnection: close\r\n\r\n"
                        + large)) {
            assertEquals(200, send(request).status());
            TestBackend.Received r = backend.lastReceived();
            assertNull(r.header("Content-Type"), () -> r.rawTarget() + " got " + r.header("Content-Type"));
            assertTrue(r.bodyBytes() > 0, r.rawTarget());
        }
        send("POST /chunked HTTP/1.1\r\n" + host
                + "Content-Type: text/csv\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n1\r\na\r\n0\r\n\r\n");
        assertEquals("text/csv", backend.lastReceived().header("Content-Type"), "the client's own passes");
    }

    /** httpd's Max-Forwards: one hop less to the member; none added when the client sent none. */
    @Test
    void maxForwardsCountsTheProxyAsAHop() throws Exception {
        startProxy("");
        get("/", "Max-Forwards: 5");
        assertEquals("4", backend.lastReceived().header("Max-Forwards"));
        get("/", "Max-Forwards: 1");
        assertEquals("0", backend.lastReceived().header("Max-Forwards"));
        get("/");
        assertNull(backend.lastReceived().header("Max-Forwards"));
        send("POST /chunked HTTP/1.1\r\nHost: a\r\nMax-Forwards: 10\r\n"
                + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n1\r\na\r\n0\r\n\r\n");
        assertEquals("9", backend.lastReceived().header("Max-Forwards"), "through HttpClient too");
    }

    /** A request that fails over to another member is still one hop less there, not two. */
    @Test
    void maxForwardsIsOneLessOnTheMemberAFailoverReaches() throws Exception {
        int refusing;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            refusing = closed.getLocalPort();
        }
        proxy = Proxies.start("<Proxy balancer://c>\n  BalancerMember http://127.0.0.1:" + refusing + "\n  BalancerMember "
                + backend.url() + "\n</Proxy>\nProxyPass / balancer://c/\n");
        int before = backend.requestCount();
        for (int i = 0; i < 2; i++) {
            assertEquals(200, get("/", "Max-Forwards: 5").status());
            assertEquals("4", backend.lastReceived().header("Max-Forwards"));
        }
        assertEquals(before + 2, backend.requestCount(), "both requests reached the live member, one of them by failover");
    }

    /** httpd's TraceEnable Off: every TRACE gets 405, at any Max-Forwards, mapped or not, and none goes on. */
    @Test
    void traceEnableOffRefusesEveryTrace() throws Exception {
        startProxy("TraceEnable Off\n");
        int before = backend.requestCount();
        for (String trace : List.of("TRACE / HTTP/1.1\r\nHost: a", "TRACE / HTTP/1.1\r\nHost: a\r\nMax-Forwards: 0",
                "TRACE /x HTTP/1.1\r\nHost: a\r\nMax-Forwards: 3")) {
            assertEquals(405, send(trace + "\r\nConnection: close\r\n\r\n").status(), trace);
        }
        assertEquals(before, backend.requestCount());
        assertEquals(200, get("/").status(), "other methods go on");
    }

    @Test
    void traceIsForwardedByDefault() throws Exception {
        startProxy("");
        assertEquals(200, send("TRACE /t HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").status());
        assertEquals("TRACE", backend.lastReceived().method());
    }

    /**
     * At Max-Forwards 0 the request goes no further: the proxy answers an OPTIONS or a TRACE itself
     * (RFC 9110), and any other method, or a value that is not one number of hops, with 400 (httpd).
     */
    @Test
    void atZeroHopsTheProxyAnswersItself() throws Exception {
        startProxy("");
        int before = backend.requestCount();
        for (String refused : List.of("GET / HTTP/1.1\r\nMax-Forwards: 0", "POST / HTTP/1.1\r\nMax-Forwards: 0\r\nContent-Length: 0",
                "GET / HTTP/1.1\r\nMax-Forwards: abc", "GET / HTTP/1.1\r\nMax-Forwards: -1",
                "GET / HTTP/1.1\r\nMax-Forwards: 2, 3", "GET / HTTP/1.1\r\nMax-Forwards: 2\r\nMax-Forwards: 3",
                "GET / HTTP/1.1\r\nMax-Forwards: 9999999999999999999")) {
            RawHttp.Response response = send(refused + "\r\nHost: a\r\nConnection: close\r\n\r\n");
            assertEquals(400, response.status(), refused);
            assertTrue(response.body().contains("Max-Forwards"), refused + ": " + response.body());
        }
        // Jetty's error page has no body for a TRACE.
        assertEquals(400, send("TRACE / HTTP/1.1\r\nMax-Forwards: x\r\nHost: a\r\nConnection: close\r\n\r\n").status());
        assertEquals(400, send("HEAD / HTTP/1.1\r\nMax-Forwards: 0\r\nHost: a\r\nConnection: close\r\n\r\n").status());
        RawHttp.Response options = send("OPTIONS /x HTTP/1.1\r\nHost: a\r\nMax-Forwards: 0\r\nConnection: close\r\n\r\n");
        assertEquals(200, options.status());
        assertTrue(options.header("Allow").contains("GET"), options.header("Allow"));
        assertEquals("0", options.header("Content-Length"));
        RawHttp.Response trace = send("TRACE /x?q=1 HTTP/1.1\r\nHost: a\r\n"
                + "Max-Forwards: 0\r\nX-Mine: 1\r\nCookie: s=secret\r\nAuthorization: Basic c2VjcmV0\r\n"
                + "Proxy-Authorization: Basic cHJveHk=\r\nConnection: close\r\n\r\n");
        assertEquals(200, trace.status());
        assertEquals("message/http", trace.header("Content-Type"));
        assertTrue(trace.body().startsWith("TRACE /x?q=1 HTTP/1.1\r\n") && trace.body().contains("X-Mine: 1\r\n"), trace.body());
        assertTrue(!trace.body().contains("secret") && !trace.body().contains("c2VjcmV0") && !trace.body().contains("cHJveHk="),
                "no credentials echoed: " + trace.body());
        assertEquals(before, backend.requestCount(), "none of them reached the member");
        get("/", "Max-Forwards: 1");
        assertEquals(before + 1, backend.requestCount(), "one hop left: it goes");
    }

    @Test
    void serverNameIsTheForwardedServerAndPreserveHostKeepsTheClientsHost() throws Exception {
        startProxy("ServerName proxy.test:8443\nProxyPreserveHost On\n");
        get("/", "Host: example.test:8080");
        assertEquals("proxy.test", backend.lastReceived().header("X-Forwarded-Server"));
        assertEquals("example.test:8080", backend.lastReceived().header("Host"));
        get("/", "Host: example.test:8080", "X-Forwarded-Server: edge.test");
        assertEquals("edge.test, proxy.test", backend.lastReceived().header("X-Forwarded-Server"), "appended, as httpd does");
    }

    @Test
    void proxyAddHeadersOffSendsNoForwardedHeaders() throws Exception {
        startProxy("ProxyAddHeaders Off\n");
        get("/", "X-Forwarded-For: 1.2.3.4");
        assertEquals("1.2.3.4", backend.lastReceived().header("X-Forwarded-For"), "passed through untouched");
        assertNull(backend.lastReceived().header("X-Forwarded-Server"));
    }

    @Test
    void proxyViaOnAddsAViaLineBothWays() throws Exception {
        startProxy("ServerName proxy.test\nProxyVia On\n");
        RawHttp.Response response = get("/", "Host: example.test:9999", "Via: 1.1 upstream");
        assertEquals("1.1 upstream, 1.1 proxy.test:9999", backend.lastReceived().header("Via"));
        assertEquals("1.1 proxy.test:9999", response.header("Via"));
    }

    @Test
    void proxyViaBlockRemovesTheClientsVia() throws Exception {
        startProxy("ProxyVia Block\n");
        RawHttp.Response response = get("/", "Via: 1.1 upstream");
        assertNull(backend.lastReceived().header("Via"));
        assertNull(response.header("Via"));
    }

    @Test
    void aDrainingMemberIsToldSoAndAClientCannotClaimIt() throws Exception {
        startProxy("");
        get("/", "X-Affinity-Drain: on");
        assertNull(backend.lastReceived().header("X-Affinity-Drain"), "a client's copy never passes");
        proxy.close();
        proxy = Proxies.start("<Proxy balancer://c>\n  BalancerMember " + backend.url() + " route=n1 status=+N\n"
                + "  ProxySet stickysession=BALANCEID\n</Proxy>\nProxyPass / balancer://c/\n");
        get("/", "Cookie: BALANCEID=x.n1");
        assertEquals("on", backend.lastReceived().header("X-Affinity-Drain"));
    }

    @Test
    void hopByHopHeadersAreRemovedBothWays() throws Exception {
        startProxy("");
        RawHttp.Response response = get("/hop", "Connection: close, X-Secret, Upgrade", "X-Secret: 1", "Keep-Alive: timeout=5",
                "TE: trailers", "Upgrade: websocket", "Proxy-Connection: keep-alive", "X-Normal: yes");
        assertEquals(200, response.status(), response::toString);
        TestBackend.Received r = backend.lastReceived();
        for (String name : List.of("X-Secret", "Keep-Alive", "TE", "Upgrade", "Proxy-Connection")) {
            assertNull(r.header(name), name + " must not reach the backend");
        }
        assertEquals("yes", r.header("X-Normal"));
        assertNull(response.header("X-Private"), "named in the backend's Connection header");
        assertNull(response.header("Proxy-Authenticate"));
        assertEquals("kept", response.header("X-Public"));
    }

    @Test
    void redirectsToAMemberAreRewrittenToTheClientsOrigin() throws Exception {
        startProxy("ProxyPassReverse / balancer://c/\n");
        RawHttp.Response response = get("/redirect", "Host: 127.0.0.1:" + proxy.port());
        String origin = "http://127.0.0.1:" + proxy.port();
        assertEquals(302, response.status());
        assertEquals(origin + "/welcome?q=1", response.header("Location"));
        assertEquals(origin + "/content", response.header("Content-Location"));
        assertEquals(origin + "/uri", response.header("URI"));
        assertEquals("/elsewhere", get("/relative").header("Location"), "a relative Location passes unchanged");
    }

    @Test
    void theRewrittenPortComesFromHostThenServerNameThenTheSchemeDefault() throws Exception {
        startProxy("ServerName proxy.test:8443\nProxyPassReverse / " + backend.url() + "/\n");
        assertEquals("http://example.test:8443/welcome?q=1", get("/redirect", "Host: example.test").header("Location"));
        assertEquals("http://example.test:9999/welcome?q=1",
                get("/redirect", "Host: example.test:9999").header("Location"));
    }

    @Test
    void withoutProxyPassReverseTheBackendsLocationPassesUnchanged() throws Exception {
        startProxy("");
        assertEquals(backend.url() + "/welcome?q=1", get("/redirect").header("Location"));
    }

    @Test
    void cookieDomainsAndPathsAreRewrittenAndNothingElse() throws Exception {
        startProxy("ProxyPassReverseCookieDomain 127.0.0.2 localhost\nProxyPassReverseCookiePath /app /\n");
        List<String> cookies = get("/cookies").headers("Set-Cookie");
        assertEquals(List.of("a=1; Domain=localhost; Path=/; HttpOnly",
                "b=2; domain=127.0.0.2019; Path=/other",
                "c=3;Domain=localhost ;Max-Age=60"), cookies);
    }
}
