package dev.affinity.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.affinity.proxy.config.ConfigReader;
import dev.affinity.proxy.config.ListenAddress;
import dev.affinity.proxy.testing.RawHttp;
import dev.affinity.proxy.testing.TestBackend;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.SocketAddressResolver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Members named by host name, with a scripted resolver in place of DNS: each address a name resolves
 * to is tried in turn, each within the member's connect timeout; a lookup that fails or takes too
 * long is a connect failure, so the request goes to another member. A GET takes the leg on the
 * client's selector and a POST with a chunked body HttpClient's; both resolve through the same resolver.
 */
class MemberResolutionTest {

    private static final String GET = "GET /r HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
    /** Chunked, so of unknown length: it streams, through HttpClient. */
    private static final String POST = "POST /r HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
            + "Connection: close\r\n\r\n2\r\nhi\r\n0\r\n\r\n";

    /**
     * What the scripted resolver answers for each name, on a thread of its own as Jetty's does. It
     * also gets IP literals (HttpClient asks about every host), which it answers as themselves.
     */
    private final Map<String, Consumer<Promise<List<InetSocketAddress>>>> answers = new ConcurrentHashMap<>();
    private final ExecutorService resolverThread = Executors.newSingleThreadExecutor();
    private final SocketAddressResolver resolver = (host, port, context, promise) -> resolverThread.execute(() ->
            answers.getOrDefault(host, p -> literal(host, port, p)).accept(promise));
    private final List<AutoCloseable> open = new ArrayList<>();
    private TestBackend member;
    private AffinityProxy proxy;

    @BeforeEach
    void startMember() throws IOException {
        member = TestBackend.start("node1", "127.0.0.2");
        open.add(member);
    }

    @AfterEach
    void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        for (AutoCloseable c : open) {
            c.close();
        }
        resolverThread.shutdownNow();
    }

    private void startProxy(String configText) throws Exception {
        proxy = new AffinityProxy(ConfigReader.parse("resolution.conf", configText)
                .withListen(List.of(new ListenAddress("127.0.0.1", 0))), resolver);
        proxy.start();
    }

    private void resolve(String name, String... ips) {
        answers.put(name, promise -> {
            List<InetSocketAddress> addresses = new ArrayList<>();
            for (String ip : ips) {
                addresses.add(new InetSocketAddress(ip, member.port()));
            }
            promise.succeeded(addresses);
        });
    }

    private static void literal(String host, int port, Promise<List<InetSocketAddress>> promise) {
        if (!host.matches("[0-9.]+")) {
            promise.failed(new UnknownHostException(host));
            return;
        }
        promise.succeeded(List.of(new InetSocketAddress(host, port)));
    }

    private RawHttp.Response send(String request) throws IOException {
        return RawHttp.exchange("127.0.0.1", proxy.port(), request);
    }

    @Test
    void eachAddressIsTriedInTurnUntilOneConnects() throws Exception {
        // Nothing listens on 127.0.0.5 at the member's port: refused, then the member's own address.
        resolve("app.test", "127.0.0.5", "127.0.0.2");
        startProxy("ProxyPass / http://app.test:" + member.port() + "/\n");
        for (String request : List.of(GET, POST)) {
            RawHttp.Response response = send(request);
            assertEquals(200, response.status(), request + response.body());
            assertEquals("node1", response.body());
        }
        assertEquals("app.test:" + member.port(), member.lastReceived().header("Host"));
    }

    /** An address that does not accept within the member's connectiontimeout is given up for the next one. */
    @Test
    void anAddressThatDoesNotAcceptInTimeIsLeftForTheNext() throws Exception {
        ServerSocket silent = new ServerSocket(member.port(), 1, InetAddress.getByName("127.0.0.6"));
        open.add(silent);
        fillAcceptQueue(silent);
        resolve("app.test", "127.0.0.6", "127.0.0.2");
        startProxy("ProxyTimeout 60\n<Proxy balancer://c>\n    BalancerMember http://app.test:" + member.port()
                + " connectiontimeout=300ms\n</Proxy>\nProxyPass / balancer://c/\n");
        for (String request : List.of(GET, POST)) {
            try (Socket client = new Socket("127.0.0.1", proxy.port())) {
                // Well below ProxyTimeout and Jetty's 15 s default connect timeout: only the member's own fits.
                client.setSoTimeout(5_000);
                client.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                RawHttp.Response response = RawHttp.read(new java.io.BufferedInputStream(client.getInputStream()));
                assertEquals(200, response.status(), request + response.body());
                assertEquals("node1", response.body());
            }
        }
    }

    /**
     * A name that does not resolve, or whose lookup times out, is a connect failure: the member goes
     * into error and the request, GET or POST, goes to the other member. A timeout taken for the
     * backend's would answer 504 and try no other member.
     */
    @ParameterizedTest(name = "{0}, {1}")
    @CsvSource({"unknown, GET", "unknown, POST", "timed out, GET", "timed out, POST"})
    void aLookupThatFailsSendsTheRequestToAnotherMember(String failure, String method) throws Exception {
        answers.put("gone.test", promise -> promise.failed(failure.equals("unknown")
                ? new UnknownHostException("gone.test") : new TimeoutException("DNS timeout 15000 ms")));
        startProxy("<Proxy balancer://c>\n    BalancerMember http://gone.test:" + member.port() + " route=gone\n"
                + "    BalancerMember http://127.0.0.2:" + member.port() + " route=node1\n</Proxy>\n"
                + "ProxyPass / balancer://c/\n");
        // Round robin: one of the first two requests goes to gone.test (then to node1), the other to node1.
        for (int i = 0; i < 2; i++) {
            RawHttp.Response response = send(method.equals("GET") ? GET : POST);
            assertEquals(200, response.status(), method + " " + response.body());
            assertEquals("node1", response.body());
        }
        assertEquals(2, member.requestCount());
    }

    /** Connects until the kernel drops further attempts, as for a host that is down; bounded. */
    private void fillAcceptQueue(ServerSocket silent) throws IOException {
        for (int i = 0; i < 16; i++) {
            Socket s = new Socket();
            open.add(s);
            try {
                s.connect(silent.getLocalSocketAddress(), 200);
            } catch (SocketTimeoutException e) {
                return;
            }
        }
        fail("the silent listener's accept queue never filled");
    }
}
