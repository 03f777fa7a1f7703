package dev.affinity.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.affinity.proxy.testing.Proxies;
import dev.affinity.proxy.testing.RawHttp;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The exact bytes a client gets for a member's answer of the common shape, on the wire: the status
 * line, which headers pass, in what order and spelling, and where Content-Length and Connection go.
 * Other tests read responses through a parser and would not notice a change here; these pin the
 * bytes, so that a different way of writing responses (an own server connection, say) has to write
 * the same ones. Both ways a request goes to a member today (the backend leg, and Jetty's HttpClient
 * for a body still arriving) write them alike. The proxy's own errors are Jetty's error pages, HTML
 * or, for a client that accepts only JSON, JSON.
 */
class ResponseBytesTest {

    /** The answer of the bench's nginx members, as they send it. */
    private static final String NGINX = "HTTP/1.1 200 OK\r\nServer: nginx\r\nDate: Thu, 26 Nov 2026 05:31:39 GMT\r\n"
            + "Content-Type: text/plain\r\nContent-Length: 19\r\nConnection: keep-alive\r\nX-Node: node1\r\n\r\n"
            + "hello, from node1!\n";
    /** Canned answers by request path. */
    private static final Map<String, String> ANSWERS = Map.of(
            "/nginx", NGINX,
            "/reason", "HTTP/1.1 200 Fine\r\nContent-Length: 2\r\n\r\nok",
            "/odd-status", "HTTP/1.1 299 Whatever\r\nContent-Length: 2\r\n\r\nok",
            "/case", "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\neTag: \"v1\"\r\nx-custom:  spaced value \r\n"
                    + "CONTENT-LENGTH: 007\r\n\r\n"
                    + "abcdefg",
            "/keep-alive", "HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok");
    /**
     * /cut announces this many bytes and sends {@link #CUT_SENT}, then closes: more than the proxy holds
     * before it writes to the client, so the head is out when the member goes.
     */
    private static final int CUT_LENGTH = 1 << 20;
    private static final int CUT_SENT = 1 << 18;

    /** What the client gets for /nginx: the member's Server and Date, no Connection, the length last. */
    private static final String NGINX_AT_CLIENT = "HTTP/1.1 200 OK\r\nServer: nginx\r\nDate: Thu, 26 Nov 2026 05:31:39 GMT\r\n"
            + "Content-Type: text/plain\r\nX-Node: node1\r\nContent-Length: 19\r\n\r\n";

    private ServerSocket member;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    /** Every request head the member read, as soon as it read it (before any body). */
    private final BlockingQueue<String> heads = new LinkedBlockingQueue<>();
    private AffinityProxy proxy;
    /** A port nothing listens on: the member of /down/. */
    private int closed;

    @BeforeEach
    void start() throws Exception {
        member = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        threads.execute(this::accept);
        try (ServerSocket gone = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closed = gone.getLocalPort();
        }
        proxy = Proxies.start("ProxyPass /static !\nProxyPass /down/ http://127.0.0.1:" + closed + "/\n"
                + "ProxyPass / http://127.0.0.1:" + member.getLocalPort() + "/\n");
    }

    @AfterEach
    void stop() throws Exception {
        proxy.close();
        member.close();
        threads.shutdownNow();
    }

    @Test
    void anAnswerReachesTheClientWithTheMembersHeadersInOrderAndTheLengthLast() throws Exception {
        assertEquals(NGINX_AT_CLIENT + "hello, from node1!\n", get("/nginx"));
    }

    @Test
    void aHeadGetsTheSameHeadWithoutTheBody() throws Exception {
        try (Socket client = RawHttp.connect("127.0.0.1", proxy.port())) {
            RawHttp.write(client, "HEAD /nginx HTTP/1.1\r\nHost: a\r\n\r\n");
            assertEquals(NGINX_AT_CLIENT, readResponse(client.getInputStream(), true));
            // The connection goes on: nothing was left to read in it.
            RawHttp.write(client, "GET /reason HTTP/1.1\r\nHost: a\r\n\r\n");
            assertEquals("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", readResponse(client.getInputStream(), false));
        }
    }

    @Test
    void theReasonPhraseIsTheProxysOwnAndForAnUnknownStatusItsDigits() throws Exception {
        assertEquals("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", get("/reason"));
        assertEquals("HTTP/1.1 299 299\r\nContent-Length: 2\r\n\r\nok", get("/odd-status"));
    }

    @Test
    void knownNamesAreRespelledOthersKeptValuesTrimmedAndTheLengthWrittenPlain() throws Exception {
        assertEquals("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nETag: \"v1\"\r\nx-custom: spaced value\r\n"
                + "Content-Length: 7\r\n\r\nabcdefg", get("/case"));
    }

    @Test
    void theMembersKeepAliveAndConnectionHeadersStayBetweenItAndTheProxy() throws Exception {
        assertEquals("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", get("/keep-alive"));
    }

    @Test
    void aClientThatAsksToCloseGetsConnectionCloseAfterTheLengthAndThenTheEnd() throws Exception {
        try (Socket client = RawHttp.connect("127.0.0.1", proxy.port())) {
            RawHttp.write(client, "GET /nginx HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
            // Read to the end of the stream: the proxy closes the connection, the client does not.
            String all = new String(client.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertEquals(NGINX_AT_CLIENT.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n") + "hello, from node1!\n", all);
        }
    }

    @Test
    void aBodyStillArrivingGoesThroughHttpClientAndItsAnswersReachTheClientInTheSameBytes() throws Exception {
        for (String path : ANSWERS.keySet()) {
            String onTheBackendLeg = get(path);
            heads.clear(); // the GET's: the head to wait for below is the POST's
            try (Socket client = RawHttp.connect("127.0.0.1", proxy.port())) {
                RawHttp.write(client, "POST " + path + " HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhello");
                // The member has the head before the body is whole: the request streams, through HttpClient.
                assertNotNull(heads.poll(10, TimeUnit.SECONDS), "the member got the head of " + path);
                RawHttp.write(client, "world");
                assertEquals(onTheBackendLeg, readResponse(client.getInputStream(), false), path);
            }
        }
    }

    @Test
    void anUnmappedPathGetsJettysErrorPage() throws Exception {
        assertEquals(errorPage("404 Not Found", "http://a/static/x", "404", "Not Found"), get("/static/x"));
    }

    @Test
    void noUsableMemberGetsAnErrorPageThatNamesNoMemberInHtmlOrJsonAndForAHeadItsHeadAlone() throws Exception {
        // Nothing of the balancer's name, which for a ProxyPass is its member's URL: as httpd's page.
        String why = "no member is usable";
        String page = errorPage("503 Service Unavailable", "http://a/down/x", "503", why);
        assertEquals(page, get("/down/x"));
        try (Socket client = RawHttp.connect("127.0.0.1", proxy.port())) {
            RawHttp.write(client, "HEAD /down/x HTTP/1.1\r\nHost: a\r\n\r\n");
            assertEquals(page.substring(0, page.indexOf("\r\n\r\n") + 4), readResponse(client.getInputStream(), true));
        }
        try (Socket client = RawHttp.connect("127.0.0.1", proxy.port())) {
            RawHttp.write(client, "GET /down/x HTTP/1.1\r\nHost: a\r\nAccept: application/json\r\n\r\n");
            String json = "{\n\"message\":\"" + why + "\",\n\"url\":\"http://a/down/x\",\n\"status\":\"503\"\n}";
            assertEquals("HTTP/1.1 503 Service Unavailable\r\nCache-Control: must-revalidate,no-cache,no-store\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + json.length() + "\r\n\r\n" + json,
                    readResponse(client.getInputStream(), false));
        }
    }

    @Test
    void anExpectationOtherThan100ContinueGets417AndTheEndAndNeverReachesTheMember() throws Exception {
        try (Socket client = RawHttp.connect("127.0.0.1", proxy.port())) {
            RawHttp.write(client, "GET /nginx HTTP/1.1\r\nHost: a\r\nExpect: something\r\n\r\n");
            String page = errorPage("417 Expectation Failed", "http://a/nginx", "417", "Expectation Failed");
            // As httpd: 417, and the connection closes after it.
            assertEquals(page.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n"),
                    new String(client.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1));
        }
        assertEquals(0, heads.size(), "requests the member got");
    }

    @Test
    void anAnswerCutShortAfterItsHeadWentOutReachesTheClientCutShortAndTheConnectionEnds() throws Exception {
        try (Socket client = RawHttp.connect("127.0.0.1", proxy.port())) {
            RawHttp.write(client, "GET /cut HTTP/1.1\r\nHost: a\r\n\r\n");
            InputStream in = client.getInputStream();
            assertEquals("HTTP/1.1 200 OK\r\nContent-Length: " + CUT_LENGTH + "\r\n\r\n", RawHttp.head(in));
            // To the end of the stream, which the proxy ends: fewer bytes than announced, so the client
            // can tell the answer is broken, and all of them the member's.
            byte[] body = in.readAllBytes();
            assertEquals(CUT_SENT, body.length);
            assertEquals("x".repeat(CUT_SENT), new String(body, StandardCharsets.ISO_8859_1));
        }
    }

    /** Jetty's HTML error page, as its ErrorHandler writes it for a client that did not ask for another type. */
    private static String errorPage(String status, String uri, String code, String message) {
        String body = "<html>\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html;charset=ISO-8859-1\"/>\n"
                + "<title>Error " + code + " " + message + "</title>\n</head>\n<body>\n"
                + "<h2>HTTP ERROR " + code + " " + message + "</h2>\n<table>\n"
                + "<tr><th>URI:</th><td>" + uri + "</td></tr>\n"
                + "<tr><th>STATUS:</th><td>" + code + "</td></tr>\n"
                + "<tr><th>MESSAGE:</th><td>" + message + "</td></tr>\n"
                + "</table>\n\n</body>\n</html>\n";
        return "HTTP/1.1 " + status + "\r\nCache-Control: must-revalidate,no-cache,no-store\r\n"
                + "Content-Type: text/html;charset=iso-8859-1\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
    }

    /** A GET on a connection of its own, on the backend leg: the response's bytes. */
    private String get(String path) throws IOException {
        try (Socket client = RawHttp.connect("127.0.0.1", proxy.port())) {
            RawHttp.write(client, "GET " + path + " HTTP/1.1\r\nHost: a\r\n\r\n");
            return readResponse(client.getInputStream(), false);
        }
    }

    /** One response's bytes: its head, and unless it answers a HEAD, as many bytes as its Content-Length says. */
    private static String readResponse(InputStream in, boolean toHead) throws IOException {
        String head = RawHttp.head(in);
        assertNotNull(head, "a response before the end of the stream");
        if (toHead) {
            return head;
        }
        return head + new String(in.readNBytes(RawHttp.contentLength(head)), StandardCharsets.ISO_8859_1);
    }

    private void accept() {
        while (!member.isClosed()) {
            try {
                Socket socket = member.accept();
                threads.execute(() -> serve(socket));
            } catch (IOException e) {
                return;
            }
        }
    }

    /** Answers each request on the connection with the canned answer for its path. */
    private void serve(Socket socket) {
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            String head;
            while ((head = RawHttp.head(in)) != null) {
                heads.add(head);
                in.readNBytes(RawHttp.contentLength(head));
                String path = head.split(" ")[1];
                if (path.equals("/cut")) {
                    out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + CUT_LENGTH + "\r\n\r\n" + "x".repeat(CUT_SENT))
                            .getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    return;
                }
                out.write(ANSWERS.get(path).getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            }
        } catch (IOException e) {
            // The proxy closed the connection.
        }
    }
}
