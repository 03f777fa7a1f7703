package dev.affinity.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.affinity.proxy.testing.Proxies;
import dev.affinity.proxy.testing.RawHttp;
import dev.affinity.proxy.testing.TestBackend;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A client's keep-alive connection serves request after request, in order, also when the requests
 * arrive pipelined: after each proxied response the connection reads its next request on the thread
 * that completed the response ({@link ConnectionResumeExecutor}).
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
        List<String> requests = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            requests.add("GET /app/" + i + " HTTP/1.1\r\nHost: a\r\n\r\n");
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
        List<String> targets = backend.received().stream().map(TestBackend.Received::rawTarget).toList();
        assertEquals(List.of("/app/1", "/app/2", "/app/3", "/app/4", "/app/5"), targets);
    }
}
