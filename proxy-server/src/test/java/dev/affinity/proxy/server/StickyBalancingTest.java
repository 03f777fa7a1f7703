package dev.affinity.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.affinity.proxy.testing.Http;
import dev.affinity.proxy.testing.Proxies;
import dev.affinity.proxy.testing.TestBackend;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Balancing and stickiness over real sockets: two backends on 127.0.0.2 and 127.0.0.3 behind the proxy. */
class StickyBalancingTest {

    private TestBackend node1;
    private TestBackend node2;
    private AffinityProxy proxy;
    private Http http;

    @BeforeEach
    void start() throws Exception {
        node1 = TestBackend.start("node1", "127.0.0.2");
        node2 = TestBackend.start("node2", "127.0.0.3");
    }

    private void startProxy(String extraProxySet) throws Exception {
        proxy = Proxies.start(Proxies.cluster(extraProxySet, node1, node2));
        http = new Http(proxy.uri());
    }

    @AfterEach
    void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        node1.close();
        node2.close();
    }

    private List<String> servedBy(int requests, String... headers) throws Exception {
        List<String> served = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            HttpResponse<String> r = http.get("/page", headers);
            assertEquals(200, r.statusCode(), "request " + i);
            served.add(r.body());
        }
        return served;
    }

    @Test
    void requestsWithoutARouteAlternateBetweenTheMembers() throws Exception {
        startProxy("");
        List<String> served = servedBy(100);
        for (int i = 0; i < served.size(); i++) {
            assertEquals(i % 2 == 0 ? "node1" : "node2", served.get(i), "byrequests with loadfactors 1,1 alternates");
        }
        assertEquals(50, node1.requestCount());
        assertEquals(50, node2.requestCount());
    }

    @Test
    void loadfactorsSplitTrafficInTheirRatio() throws Exception {
        String config = "<Proxy balancer://mycluster>\n"
                + "  BalancerMember " + node1.url() + " route=node1 loadfactor=1\n"
                + "  BalancerMember " + node2.url() + " route=node2 loadfactor=3\n"
                + "</Proxy>\nProxyPass / balancer://mycluster/\n";
        proxy = Proxies.start(config);
        http = new Http(proxy.uri());
        servedBy(80);
        assertEquals(20, node1.requestCount());
        assertEquals(60, node2.requestCount());
    }

    @Test
    void aBalanceidCookieKeepsTheClientOnItsRoute() throws Exception {
        startProxy("");
        for (String served : servedBy(50, "Cookie", "JSESSIONID=abc; BALANCEID=balancer.node2")) {
            assertEquals("node2", served);
        }
        assertEquals(0, node1.requestCount());
    }

    @Test
    void theRouteIsTheTextAfterTheFirstDot() throws Exception {
        startProxy("");
        assertEquals(List.of("node1", "node1", "node1"), servedBy(3, "Cookie", "BALANCEID=anything.node1"));
        // "a.node2.x" names route "node2.x", which no member has: balanced, so both members answer
        // (node2 more often: the three sticky hits above counted as node1's turns).
        Map<String, Integer> counts = count(servedBy(10, "Cookie", "BALANCEID=a.node2.x"));
        assertEquals(10, counts.get("node1") + counts.get("node2"));
        assertTrue(counts.get("node1") >= 2 && counts.get("node2") >= 5, counts::toString);
    }

    @Test
    void aPathParameterOrQueryParameterNamesTheRouteBeforeTheCookie() throws Exception {
        startProxy("");
        for (int i = 0; i < 5; i++) {
            assertEquals("node2", http.get("/cart;BALANCEID=balancer.node2", "Cookie", "BALANCEID=balancer.node1").body());
            assertEquals("node1", http.get("/cart?x=1&BALANCEID=balancer.node1", "Cookie", "BALANCEID=balancer.node2").body());
        }
        assertEquals("/cart;BALANCEID=balancer.node2", node2.lastReceived().rawTarget(),
                "the path parameter still reaches the backend");
    }

    @Test
    void theCookieUrlparamFormLooksForEachNameInItsPlace() throws Exception {
        startProxy("stickysession=JSESSIONID|jsessionid");
        for (int i = 0; i < 4; i++) {
            assertEquals("node2", http.get("/a;jsessionid=ABC123.node2").body());
            assertEquals("node1", http.get("/a", "Cookie", "JSESSIONID=ABC123.node1").body());
        }
    }

    @Test
    void unknownAndMalformedRoutesFallBackToBalancing() throws Exception {
        startProxy("");
        assertEquals(Map.of("node1", 3, "node2", 3), count(servedBy(6, "Cookie", "BALANCEID=balancer.node9")));
        assertEquals(Map.of("node1", 3, "node2", 3), count(servedBy(6, "Cookie", "BALANCEID=node1")));
        assertEquals(Map.of("node1", 3, "node2", 3), count(servedBy(6, "Cookie", "BALANCEID=balancer.")));
    }

    @Test
    void stickyHitsCountInTheBalance() throws Exception {
        startProxy("");
        // A sticky request to node1 counts as node1's turn, so the next balanced one goes to node2.
        assertEquals("node1", http.get("/", "Cookie", "BALANCEID=balancer.node1").body());
        assertEquals("node2", http.get("/").body());
        assertEquals("node1", http.get("/").body());
    }

    @Test
    void withNofailoverARouteWhoseMemberIsDownGets503() throws Exception {
        startProxy("nofailover=On");
        node1.close();
        HttpResponse<String> r = http.get("/", "Cookie", "BALANCEID=balancer.node1");
        assertEquals(503, r.statusCode());
        assertEquals(200, http.get("/", "Cookie", "BALANCEID=balancer.node9").statusCode(),
                "as in httpd, a route no member has is balanced even with nofailover On");
        assertEquals("node2", http.get("/", "Cookie", "BALANCEID=balancer.node2").body());
        assertEquals(200, http.get("/").statusCode(), "requests without a route are still balanced");
    }

    @Test
    void theEmbeddingApiBuildsTheSameModelAsTheConfigFile() throws Exception {
        var config = dev.affinity.proxy.config.ProxyConfig.builder()
                .listen("127.0.0.1", 0)
                .balancer(dev.affinity.proxy.balancer.BalancerConfig.named("mycluster")
                        .withMember(dev.affinity.proxy.balancer.MemberConfig.of(node1.url()).withRoute("node1"))
                        .withMember(dev.affinity.proxy.balancer.MemberConfig.of(node2.url()).withRoute("node2"))
                        .with("stickysession", "BALANCEID"))
                .proxyPassMatch("^(/.*)$", "balancer://mycluster$1")
                .build();
        try (AffinityProxy embedded = AffinityProxy.start(config)) {
            Http client = new Http(embedded.uri());
            assertEquals("node2", client.get("/x", "Cookie", "BALANCEID=balancer.node2").body());
            assertTrue(embedded.port() > 0);
            // The sticky hit above took node2's turn (scores node1 1, node2 -1), so node1 serves twice first.
            assertEquals(List.of("node1", "node1", "node2", "node1"), List.of(client.get("/").body(),
                    client.get("/").body(), client.get("/").body(), client.get("/").body()));
        }
    }

    private static Map<String, Integer> count(List<String> served) {
        Map<String, Integer> counts = new HashMap<>();
        served.forEach(s -> counts.merge(s, 1, Integer::sum));
        return counts;
    }
}
