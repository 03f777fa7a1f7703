package dev.affinity.it.cluster;

import dev.affinity.demo.launcher.DemoCluster;
import java.time.Duration;
import org.awaitility.Awaitility;

/**
 * Waiting for a restarted node to take clients again. The proxy keeps a node that refused a
 * connection out for its retry window (5 s in cluster.conf), so a test that stopped a node waits
 * for this before the next test, which shares the cluster, expects both nodes.
 */
final class InService {

    private static final Duration BOUND = Duration.ofSeconds(30);

    private InService() {
    }

    /** Returns once a new client is balanced to the node; fails after 30 s. */
    static void await(DemoCluster cluster, String route) {
        Awaitility.await().atMost(BOUND).pollInterval(Duration.ofMillis(250)).until(() ->
                route.equals(new Client(cluster.proxyUri()).get("/api/whoami").jsonPath().getString("node")));
    }
}
