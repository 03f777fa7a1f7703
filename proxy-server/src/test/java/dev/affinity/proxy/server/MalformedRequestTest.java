package dev.affinity.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.affinity.proxy.testing.Proxies;
import dev.affinity.proxy.testing.RawHttp;
import dev.affinity.proxy.testing.TestBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Requests the proxy must answer itself: malformed framing and headers (400/431), methods and
 * targets a reverse proxy refuses, and paths no ProxyPass maps. None of them may reach a member.
 */
class MalformedRequestTest {

    private TestBackend backend;
    private TestBackend otherHost;
    private AffinityProxy proxy;

    @BeforeEach
    void start() throws Exception {
        backend = TestBackend.start("node1", "127.0.0.2");
        otherHost = TestBackend.start("other", "127.0.0.3");
        proxy = Proxies.start("ProxyPass /static !\nProxyPass /app " + backend.url() + "/app\n");
    }

    @AfterEach
    void stop() throws Exception {
        proxy.close();
        backend.close();
        otherHost.close();
    }

    private RawHttp.Response send(String request) throws Exception {
        return RawHttp.exchange("127.0.0.1", proxy.port(), request);
    }

    private void assertRefused(int status, String request) throws Exception {
        RawHttp.Response response = send(request);
        assertEquals(status, response.status(), () -> "for " + request.replace("\r\n", "\\r\\n"));
        assertEquals(0, backend.requestCount(), "a refused request must never reach a member");
    }

    @Test
    void twoContentLengthsAre400() throws Exception {
        assertRefused(400, "POST /app/x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd");
    }

    @Test
    void contentLengthWithChunkedIs400() throws Exception {
        assertRefused(400, "POST /app/x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "3\r\nabc\r\n0\r\n\r\n");
    }

    @Test
    void aBadChunkSizeIs400() throws Exception {
        RawHttp.Response response = send("POST /app/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                + "Connection: close\r\n\r\nzz\r\nabc\r\n0\r\n\r\n");
        assertEquals(400, response.status());
        assertTrue(backend.received().stream().noneMatch(r -> r.bodyBytes() > 0),
                "no byte of a broken body is delivered as if it were whole");
    }

    @Test
    void aHeaderLineWithoutAColonIs400() throws Exception {
        assertRefused(400, "GET /app/x HTTP/1.1\r\nHost: a\r\nThisIsNotAHeader\r\n\r\n");
    }

    @Test
    void controlCharactersInAHeaderAre400() throws Exception {
        assertRefused(400, "GET /app/x HTTP/1.1\r\nHost: a\r\nX-Bad: a\u0001b\r\n\r\n");
    }

    @Test
    void headersOver8KiBAre431() throws Exception {
        assertRefused(431, "GET /app/x HTTP/1.1\r\nHost: a\r\nX-Big: " + "x".repeat(9000) + "\r\n\r\n");
    }

    @Test
    void connectIsRefused() throws Exception {
        assertRefused(405, "CONNECT 127.0.0.3:" + otherHost.port() + " HTTP/1.1\r\nHost: 127.0.0.3:"
                + otherHost.port() + "\r\n\r\n");
        assertEquals(0, otherHost.requestCount());
    }

    @Test
    void anAbsoluteFormTargetNeverMakesTheProxyContactThatHost() throws Exception {
        String other = "127.0.0.3:" + otherHost.port();
        RawHttp.Response response = send("GET http://" + other + "/app/x HTTP/1.1\r\nHost: " + other
                + "\r\nConnection: close\r\n\r\n");
        // Only the path counts, as for any request: /app/x is mapped to the configured member.
        assertEquals(200, response.status());
        assertEquals("node1", response.body());
        assertEquals(0, otherHost.requestCount(), "Affinity is never a forward proxy");
    }

    /** The server's own options, as httpd answers them; an OPTIONS for a path still goes to its member. */
    @Test
    void optionsAsteriskIsAnsweredByTheProxy() throws Exception {
        RawHttp.Response response = send("OPTIONS * HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        assertEquals(200, response.status());
        assertTrue(response.header("Allow").contains("GET"), response.header("Allow"));
        assertEquals("0", response.header("Content-Length"));
        assertEquals(0, backend.requestCount(), "no member is asked");
        assertEquals(200, send("OPTIONS /app/x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").status());
        assertEquals("OPTIONS", backend.lastReceived().method());
    }

    @Test
    void unmappedAndExcludedPathsAre404() throws Exception {
        assertRefused(404, "GET /nothing-here HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        assertRefused(404, "GET /static/logo.png HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        assertRefused(404, "GET /apple HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    }

    @Test
    void repeatedSlashesAreMergedAsHttpdsMergeSlashesDoes() throws Exception {
        RawHttp.Response response = send("GET /app//x///y HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        assertEquals(200, response.status());
        assertEquals("/app/x/y", backend.lastReceived().rawTarget());
    }

    @Test
    void aPathThatClimbsAboveTheRootIsRefused() throws Exception {
        RawHttp.Response response = send("GET /app/../../etc/passwd HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        assertEquals(400, response.status());
        assertEquals(0, backend.requestCount());
    }

    @Test
    void expectContinueIsHonouredEndToEnd() throws Exception {
        try (java.net.Socket client = new java.net.Socket("127.0.0.1", proxy.port())) {
            client.setSoTimeout(10_000);
            var out = client.getOutputStream();
            var in = client.getInputStream();
            out.write(("POST /app/form HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n"
                    + "Connection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            out.flush();
            // The body goes only after the interim response, as a real client would send it.
            String interim = new String(in.readNBytes(25), java.nio.charset.StandardCharsets.ISO_8859_1);
            assertEquals("HTTP/1.1 100 Continue\r\n\r\n", interim);
            out.write("hello".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            out.flush();
            String rest = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
            assertTrue(rest.startsWith("HTTP/1.1 200 "), rest);
        }
        assertEquals(5, backend.lastReceived().bodyBytes());
    }
}
