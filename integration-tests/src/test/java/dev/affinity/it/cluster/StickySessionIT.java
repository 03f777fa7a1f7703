package dev.affinity.it.cluster;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.affinity.demo.launcher.DemoCluster;
import io.restassured.response.Response;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Sticky sessions, balancing and rewriting, seen from clients of the real cluster. */
@ExtendWith(ClusterExtension.class)
class StickySessionIT {

    @Test
    void aNewClientIsPinnedToTheNodeThatServedIt(DemoCluster cluster) {
        Client client = new Client(cluster.proxyUri());
        Response first = client.get("/api/whoami");
        first.then().statusCode(200);
        String node = first.jsonPath().getString("node");
        assertEquals("balancer." + node, first.getCookie("BALANCEID"), "the node that served it pins it");
        assertEquals(null, first.jsonPath().getString("balanceId"), "it came without a BALANCEID");
    }

    @Test
    void aPinnedClientStaysOnItsNodeAndItsSessionCountsUp(DemoCluster cluster) {
        Client client = new Client(cluster.proxyUri());
        String node = client.get("/api/whoami").jsonPath().getString("node");
        for (int visit = 2; visit <= 100; visit++) {
            Response r = client.get("/api/whoami");
            r.then().statusCode(200).body("node", equalTo(node)).body("visits", equalTo(visit));
            assertEquals(null, r.getCookie("BALANCEID"), "a client pinned here gets no new BALANCEID");
        }
    }

    @Test
    void clientsWithoutCookiesAreSharedEvenly(DemoCluster cluster) {
        // Sticky requests of other tests count in byrequests' balance, as in httpd, so new clients
        // first go to whichever node is behind; once the scores are level they alternate.
        String previous = newClientsNode(cluster);
        int level = 0;
        for (int i = 0; i < 1_000 && level < 4; i++) {
            String node = newClientsNode(cluster);
            level = node.equals(previous) ? 0 : level + 1;
            previous = node;
        }
        assertEquals(4, level, "the balance never levelled out within 1000 requests");
        Map<String, Integer> served = new HashMap<>();
        for (int i = 0; i < 100; i++) {
            served.merge(newClientsNode(cluster), 1, Integer::sum);
        }
        assertEquals(Map.of("node1", 50, "node2", 50), served);
    }

    private static String newClientsNode(DemoCluster cluster) {
        return new Client(cluster.proxyUri()).get("/api/whoami").jsonPath().getString("node");
    }

    @Test
    void theLoginRedirectPointsAtTheProxyNotAtTheNode(DemoCluster cluster) {
        Client client = new Client(cluster.proxyUri());
        client.get("/login");
        Response login = client.post("/login", Map.of("name", "ada"));
        login.then().statusCode(302).header("Location", equalTo(cluster.proxyUri().resolve("/welcome").toString()));
        client.get("/welcome").then().statusCode(200).body(startsWith("<!doctype html>"))
                .body(org.hamcrest.Matchers.containsString("Welcome, ada"));
    }

    @Test
    void theCookieDomainOfTheNodeIsRewrittenToThePublicName(DemoCluster cluster) {
        Response r = new Client(cluster.proxyUri()).get("/cookie");
        r.then().statusCode(200);
        String setCookie = r.getHeaders().getValues("Set-Cookie").stream()
                .filter(c -> c.startsWith("demo_theme=")).findFirst().orElseThrow();
        assertEquals("demo_theme=dark; Domain=localhost; Path=/", setCookie);
    }
}
