package dev.affinity.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.affinity.demo.launcher.DemoCluster;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A node goes away and comes back while clients keep using the cluster. The node is stopped in
 * this JVM; {@link KillNodeUnderLoadIT} kills a node's process.
 */
@ExtendWith(ClusterExtension.class)
class FailoverIT {

    @Test
    void clientsOfAStoppedNodeMoveToTheOtherWithoutAnErrorAndNewClientsReachItWhenItReturns(DemoCluster cluster)
            throws Exception {
        InService.await(cluster, "node1");
        Client client = pinnedTo("node1", cluster);
        int visits = 0;
        for (int i = 0; i < 5; i++) {
            visits = client.get("/api/whoami").jsonPath().getInt("visits");
        }
        String session = client.cookie("JSESSIONID");
        cluster.stopNode("node1");
        try {
            Response moved = client.get("/api/whoami");
            moved.then().statusCode(200);
            assertEquals("node2", moved.jsonPath().getString("node"));
            assertEquals("balancer.node2", moved.getCookie("BALANCEID"), "node2 re-pins the client to itself");
            assertEquals(session, moved.jsonPath().getString("sessionId"), "node2 has the session node1 replicated");
            assertEquals(visits + 1, moved.jsonPath().getInt("visits"), "the counter goes on where node1 left it");
            for (int i = 0; i < 20; i++) {
                Response r = client.get("/api/whoami");
                r.then().statusCode(200);
                assertEquals("node2", r.jsonPath().getString("node"), "request " + i + " after the move");
                assertEquals(visits + 2 + i, r.jsonPath().getInt("visits"), "request " + i + " after the move");
            }
        } finally {
            cluster.startNode("node1");
        }
        // node1 is tried again once its retry window (5 s in cluster.conf) has passed.
        InService.await(cluster, "node1");
        assertEquals("node2", client.get("/api/whoami").jsonPath().getString("node"),
                "a client re-pinned to node2 stays there: no fail-back to a stale session");
    }

    /** A new client, retried until the balancer happens to give it the wanted node. */
    private static Client pinnedTo(String node, DemoCluster cluster) {
        for (int i = 0; i < 10; i++) {
            Client client = new Client(cluster.proxyUri());
            if (node.equals(client.get("/api/whoami").jsonPath().getString("node"))) {
                return client;
            }
        }
        throw new AssertionError("no client was ever balanced to " + node);
    }
}
