package dev.affinity.proxy.server;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.affinity.proxy.testing.Http;
import dev.affinity.proxy.testing.Proxies;
import dev.affinity.proxy.testing.RawHttp;
import dev.affinity.proxy.testing.TestBackend;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What clients see when members die, hang or break: failover where it is safe, else 502/503/504. */
class FailoverTest {

    private final List<AutoCloseable> started = new ArrayList<>();

    private <T extends AutoCloseable> T started(T resource) {
        started.add(resource);
        return resource;
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
    }

    @Test
    void aKilledMemberCausesNoClientErrorAndComesBackAfterItsRetryWindow() throws Exception {
        TestBackend node1 = TestBackend.start("node1", "127.0.0.2");
        TestBackend node2 = started(TestBackend.start("node2", "127.0.0.3"));
        String config = "<Proxy balancer://mycluster>\n"
                + "  BalancerMember " + node1.url() + " route=node1 retry=1\n"
                + "  BalancerMember " + node2.url() + " route=node2 retry=1\n"
                + "  ProxySet stickysession=BALANCEID\n"
                + "</Proxy>\nProxyPass / balancer://mycluster/\n";
        AffinityProxy proxy = started(Proxies.start(config));
        Http http = new Http(proxy.uri());
        assertEquals("node1", http.get("/").body());

        node1.close();
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> r = http.get("/a", "Cookie", i % 2 == 0 ? "BALANCEID=balancer.node1" : "x=y");
            assertEquals(200, r.statusCode(), "request " + i + " while node1 is down");
            assertEquals("node2", r.body());
        }
        HttpResponse<String> post = http.post("/form", "name=value&more=1", "Cookie", "BALANCEID=balancer.node1");
        assertEquals(200, post.statusCode());
        assertEquals(17, node2.lastReceived().bodyBytes(), "the POST body reached node2 whole");

        TestBackend back = started(TestBackend.start("node1", "127.0.0.2", node1.port()));
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(
                () -> "node1".equals(http.get("/", "Cookie", "BALANCEID=balancer.node1").body()));
        assertTrue(back.requestCount() >= 1);
    }

    @Test
    void withEveryMemberDownTheClientGets503AndTheProxyRecoversWithoutARestart() throws Exception {
        TestBackend node1 = TestBackend.start("node1", "127.0.0.2");
        int port = node1.port();
        node1.close();
        String config = "<Proxy balancer://c>\n  BalancerMember http://127.0.0.2:" + port + " retry=0\n</Proxy>\n"
                + "ProxyPass / balancer://c/\n";
        AffinityProxy proxy = started(Proxies.start(config));
        Http http = new Http(proxy.uri());
        HttpResponse<String> r = http.get("/");
        assertEquals(503, r.statusCode());
        assertTrue(r.body().contains("Service Unavailable") || r.body().contains("503"), r.body());

        started(TestBackend.start("node1", "127.0.0.2", port));
        assertEquals("node1", http.get("/").body());
    }

    @Test
    void aBackendThatHangsGives504WithinTheTimeout() throws Exception {
        TestBackend slow = startHangingBackend("/hang");
        AffinityProxy proxy = started(Proxies.start("ProxyPass / " + slow.url() + "/ timeout=1\n"));
        long start = System.nanoTime();
        HttpResponse<String> r = new Http(proxy.uri()).get("/hang");
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(504, r.statusCode());
        assertTrue(millis >= 900 && millis < 8000, "answered after " + millis + " ms");
    }

    @Test
    void aTimedOutRequestIsAnswered504AndNeverSentToASecondMember() throws Exception {
        TestBackend slow = startHangingBackend("/");
        TestBackend healthy = started(TestBackend.start("healthy", "127.0.0.3"));
        String config = balancer(slow.url() + " route=slow timeout=1", healthy.url() + " route=healthy",
                "stickysession=BALANCEID");
        AffinityProxy proxy = started(Proxies.start(config));
        HttpResponse<String> r = new Http(proxy.uri()).get("/report", "Cookie", "BALANCEID=x.slow");
        assertEquals(504, r.statusCode());
        assertEquals(0, healthy.requestCount(), "the slow member may still be working on it");
    }

    @Test
    void aBackendThatDropsTheConnectionAfterReadingAPostGives502AndIsNotReplayed() throws Exception {
        TestBackend healthy = started(TestBackend.start("healthy", "127.0.0.3"));
        AffinityProxy proxy = proxyOverBrokenAnd(healthy);
        HttpResponse<String> r = new Http(proxy.uri()).post("/pay", "amount=100", "Cookie", "BALANCEID=x.broken");
        assertEquals(502, r.statusCode());
        assertEquals(0, healthy.requestCount(), "a POST whose body reached a backend is never replayed");
    }

    @Test
    void aBodylessPostWithAnIdempotencyKeyThatLostItsConnectionGoesToAnotherMember() throws Exception {
        TestBackend healthy = started(TestBackend.start("healthy", "127.0.0.3"));
        AffinityProxy proxy = proxyOverBrokenAnd(healthy);
        RawHttp.Response withKey = RawHttp.exchange("127.0.0.1", proxy.port(), "POST /orders/42/confirm HTTP/1.1\r\n"
                + "Host: a\r\nCookie: BALANCEID=x.broken\r\nIdempotency-Key: 8e03978e\r\nConnection: close\r\n\r\n");
        assertEquals(200, withKey.status(), "the key promises a repeat is harmless");
        assertEquals("healthy", withKey.body());
        RawHttp.Response withoutKey = RawHttp.exchange("127.0.0.1", proxy.port(), "POST /orders/43/confirm HTTP/1.1\r\n"
                + "Host: a\r\nCookie: BALANCEID=x.broken\r\nConnection: close\r\n\r\n");
        assertEquals(502, withoutKey.status(), "without it, a POST that reached a backend is not repeated");
    }

    @Test
    void anIdempotentRequestThatLostItsConnectionGoesToAnotherMember() throws Exception {
        TestBackend healthy = started(TestBackend.start("healthy", "127.0.0.3"));
        AffinityProxy proxy = proxyOverBrokenAnd(healthy);
        HttpResponse<String> r = new Http(proxy.uri()).get("/page", "Cookie", "BALANCEID=x.broken");
        assertEquals(200, r.statusCode());
        assertEquals("healthy", r.body());
    }

    /**
     * With no other member to replay it on, a GET the member broke (closed without an answer) gets
     * 502, as httpd answers it: the member failed, members were not lacking.
     */
    @Test
    void aGetTheOnlyMemberBrokeGets502() throws Exception {
        ServerSocket broken = startBreakingBackend();
        AffinityProxy proxy = started(Proxies.start("<Proxy balancer://c>\n  BalancerMember http://127.0.0.2:"
                + broken.getLocalPort() + "\n</Proxy>\nProxyPass / balancer://c/\n"));
        HttpResponse<String> r = new Http(proxy.uri()).get("/page");
        assertEquals(502, r.statusCode(), r.body());
    }

    /** The member the GET was replayed on refuses the connection: the client still gets the first member's 502. */
    @Test
    void aGetABrokenMemberLostAndNoOtherMemberTookGets502() throws Exception {
        ServerSocket broken = startBreakingBackend();
        int refusing;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.3"))) {
            refusing = closed.getLocalPort();
        }
        AffinityProxy proxy = started(Proxies.start(balancer("http://127.0.0.2:" + broken.getLocalPort() + " route=broken",
                "http://127.0.0.3:" + refusing + " route=refusing", "stickysession=BALANCEID")));
        HttpResponse<String> r = new Http(proxy.uri()).get("/page", "Cookie", "BALANCEID=x.broken");
        assertEquals(502, r.statusCode(), r.body());
    }

    @Test
    void getsToABackendThatResetsItsConnectionsGoToAnotherMember() throws Exception {
        TestBackend healthy = started(TestBackend.start("healthy", "127.0.0.3"));
        ServerSocket resetting = started(new ServerSocket());
        resetting.bind(new InetSocketAddress("127.0.0.2", 0));
        Thread acceptor = new Thread(() -> readRequestThenReset(resetting), "resetting-backend");
        acceptor.setDaemon(true);
        acceptor.start();
        AffinityProxy proxy = started(Proxies.start(brokenAndHealthy(resetting, healthy)));
        Http http = new Http(proxy.uri());
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> r = http.get("/page/" + i, "Cookie", "BALANCEID=x.broken");
            assertEquals(200, r.statusCode(), "request " + i);
            assertEquals("healthy", r.body(), "request " + i);
        }
        assertEquals(5, healthy.requestCount());
    }

    @Test
    void withFailonstatusAMemberAnswering503IsLeftAloneForItsRetryWindow() throws Exception {
        TestBackend busy = started(TestBackend.start("busy", "127.0.0.2"));
        busy.on("/", exchange -> busy.reply(exchange, 503, "overloaded"));
        TestBackend healthy = started(TestBackend.start("healthy", "127.0.0.3"));
        String config = balancer(busy.url() + " retry=60", healthy.url(), "failonstatus=503");
        AffinityProxy proxy = started(Proxies.start(config));
        Http http = new Http(proxy.uri());
        HttpResponse<String> first = http.get("/");
        assertEquals(503, first.statusCode(), "as in httpd, the matching response itself reaches the client");
        assertEquals("overloaded", first.body());
        for (int i = 0; i < 6; i++) {
            assertEquals("healthy", http.get("/").body(), "request " + i + " after the 503");
        }
        assertEquals(1, busy.requestCount());
    }

    @Test
    void withFailontimeoutAMemberThatTimedOutIsLeftAlone() throws Exception {
        TestBackend slow = startHangingBackend("/");
        TestBackend healthy = started(TestBackend.start("healthy", "127.0.0.3"));
        String config = balancer(slow.url() + " timeout=1 retry=60", healthy.url(), "failontimeout=On");
        AffinityProxy proxy = started(Proxies.start(config));
        Http http = new Http(proxy.uri());
        assertEquals(504, http.get("/").statusCode());
        for (int i = 0; i < 4; i++) {
            assertEquals("healthy", http.get("/").body(), "request " + i + " after the timeout");
        }
        assertEquals(1, slow.requestCount());
    }

    @Test
    void aPutWhoseBodyIsStillComingIsNotReplayedWhenItsMemberDrops() throws Exception {
        TestBackend healthy = started(TestBackend.start("healthy", "127.0.0.3"));
        AffinityProxy proxy = proxyOverBrokenAnd(healthy);
        try (Socket client = new Socket("127.0.0.1", proxy.port())) {
            client.setSoTimeout(10_000);
            // Only the head: the body would follow later, but the member drops the connection first.
            client.getOutputStream().write(("PUT /doc HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
                    + "Cookie: BALANCEID=x.broken\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            String status = new String(client.getInputStream().readNBytes(12), StandardCharsets.ISO_8859_1);
            assertEquals("HTTP/1.1 502", status, "the body was asked for, so the request cannot be sent again");
        }
        assertEquals(0, healthy.requestCount());
    }

    /** The whole body came with the head, so the proxy holds it: an idempotent PUT goes again, whole, elsewhere. */
    @Test
    void aPutWhoseWholeBodyCameWithItsHeadIsReplayedWhenItsMemberDrops() throws Exception {
        TestBackend healthy = started(TestBackend.start("healthy", "127.0.0.3"));
        AffinityProxy proxy = proxyOverBrokenAnd(healthy);
        RawHttp.Response r = RawHttp.exchange("127.0.0.1", proxy.port(), "PUT /doc HTTP/1.1\r\nHost: a\r\n"
                + "Content-Length: 5\r\nCookie: BALANCEID=x.broken\r\nConnection: close\r\n\r\nhello");
        assertEquals(200, r.status(), r.body());
        assertEquals("healthy", r.body());
        assertEquals(5, healthy.lastReceived().bodyBytes(), "the body reached the second member whole");
    }

    @Test
    void aBackendThatSendsItsHeadersAndThenDiesGives502() throws Exception {
        try (ServerSocket dying = started(new ServerSocket())) {
            dying.bind(new InetSocketAddress("127.0.0.2", 0));
            Thread backend = new Thread(() -> {
                try (Socket s = dying.accept()) {
                    s.setSoTimeout(5_000);
                    s.getInputStream().read(new byte[8192]);
                    s.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nSet-Cookie: a=b\r\n\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1));
                    s.getOutputStream().flush();
                } catch (IOException e) {
                    // the test sees the result through the proxy
                }
            }, "dying-backend");
            backend.setDaemon(true);
            backend.start();
            AffinityProxy proxy = started(Proxies.start("ProxyPass / http://127.0.0.2:" + dying.getLocalPort() + "/\n"));
            RawHttp.Response r = RawHttp.exchange("127.0.0.1", proxy.port(),
                    "POST /pay HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc");
            assertEquals(502, r.status());
            assertEquals(null, r.header("Set-Cookie"), "nothing of the broken response reaches the client");
        }
    }

    /**
     * A backend "slow" on 127.0.0.2 that never answers requests under {@code path}; the handlers are
     * released (bounded at 30 s) when the test ends.
     */
    private TestBackend startHangingBackend(String path) throws IOException {
        CountDownLatch release = new CountDownLatch(1);
        TestBackend slow = started(TestBackend.start("slow", "127.0.0.2").on(path, exchange -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        started(release::countDown);
        return slow;
    }

    private static String brokenAndHealthy(ServerSocket broken, TestBackend healthy) {
        return balancer("http://127.0.0.2:" + broken.getLocalPort() + " route=broken", healthy.url() + " route=healthy",
                "stickysession=BALANCEID");
    }

    /** A proxy over a breaking member (route broken) and the given healthy one, sticky by BALANCEID. */
    private AffinityProxy proxyOverBrokenAnd(TestBackend healthy) throws Exception {
        return started(Proxies.start(brokenAndHealthy(startBreakingBackend(), healthy)));
    }

    /** balancer://c of two members (each a URL and its keys) and one ProxySet line, proxied at /. */
    private static String balancer(String member1, String member2, String proxySet) {
        return "<Proxy balancer://c>\n  BalancerMember " + member1 + "\n  BalancerMember " + member2
                + "\n  ProxySet " + proxySet + "\n</Proxy>\nProxyPass / balancer://c/\n";
    }

    /** A backend on 127.0.0.2 that reads each request, then closes the connection without answering. */
    private ServerSocket startBreakingBackend() throws IOException {
        ServerSocket breaking = started(new ServerSocket());
        breaking.bind(new InetSocketAddress("127.0.0.2", 0));
        Thread acceptor = new Thread(() -> readRequestThenClose(breaking), "breaking-backend");
        acceptor.setDaemon(true);
        acceptor.start();
        return breaking;
    }

    @Test
    void theBalancerTimeoutWaitsForAMemberToComeBack() throws Exception {
        TestBackend node1 = TestBackend.start("node1", "127.0.0.2");
        int port = node1.port();
        node1.close();
        String config = "<Proxy balancer://c>\n  BalancerMember http://127.0.0.2:" + port + " retry=1\n"
                + "  ProxySet timeout=10 forcerecovery=Off\n</Proxy>\nProxyPass / balancer://c/\n";
        AffinityProxy proxy = started(Proxies.start(config));
        Http http = new Http(proxy.uri());
        assertEquals(503, http.get("/").statusCode(), "the refused connection puts the member in error");
        started(TestBackend.start("node1", "127.0.0.2", port));
        // The member is back, but in error for 1 s: the next request waits for its retry window.
        long start = System.nanoTime();
        HttpResponse<String> r = http.get("/");
        assertEquals(200, r.statusCode());
        assertEquals("node1", r.body());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(9), "answered within the balancer timeout");
    }

    /** A backend that reads a request head, then resets the connection (RST, not FIN), as a crashing server's kernel does. */
    private static void readRequestThenReset(ServerSocket server) {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                s.setSoTimeout(5_000);
                s.getInputStream().read(new byte[8192]);
                s.setSoLinger(true, 0);
            } catch (IOException e) {
                if (server.isClosed()) {
                    return;
                }
            }
        }
    }

    /** A backend that reads a request head and a little body, then closes without answering. */
    private static void readRequestThenClose(ServerSocket server) {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                s.setSoTimeout(5_000);
                InputStream in = s.getInputStream();
                byte[] buffer = new byte[8192];
                int n = in.read(buffer);
                String head = n > 0 ? new String(buffer, 0, n, StandardCharsets.ISO_8859_1) : "";
                // The 502 test's POST body may come in a second read: take it before closing.
                if (head.startsWith("POST") && !head.contains("Content-Length: 0") && !head.contains("amount=")) {
                    in.read(buffer);
                }
            } catch (java.net.SocketTimeoutException e) {
                // a client that sent no body: close this connection and serve the next one
            } catch (IOException e) {
                if (server.isClosed()) {
                    return;
                }
            }
        }
    }
}
