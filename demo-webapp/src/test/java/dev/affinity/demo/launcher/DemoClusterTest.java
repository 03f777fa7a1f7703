package dev.affinity.demo.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;

/** cluster.conf is the tutorial's shape; the ports a user picks go into it unambiguously. */
class DemoClusterTest {

    @Test
    void swappedNodePortsAreEachReplacedOnce() {
        String config = DemoCluster.configFor("127.0.0.1", 8082, 8081);
        assertTrue(config.contains("BalancerMember http://127.0.0.1:8082 route=node1"), config);
        assertTrue(config.contains("BalancerMember http://127.0.0.1:8081 route=node2"), config);
    }

    @Test
    void freePortsReplaceTheShippedOnesEverywhere() {
        String config = DemoCluster.configFor("127.0.0.1", 40001, 40002);
        assertTrue(config.contains("ProxyPassReverse / http://127.0.0.1:40001/"), config);
        assertTrue(config.contains("ProxyPassReverse / http://127.0.0.1:40002/"), config);
        assertTrue(!config.contains(":8081") && !config.contains(":8082"), config);
    }

    /**
     * A replication port picked free but taken before node1 binds it (here by this test, as a
     * connection elsewhere on the machine could): the cluster starts on a new pair of ports.
     */
    @Test
    void aReplicationPortTakenBeforeItsNodeBindsItIsPickedAgain() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            AtomicInteger picks = new AtomicInteger();
            IntSupplier freePorts = () -> picks.getAndIncrement() == 0
                    ? taken.getLocalPort() : SessionReplication.freePort("127.0.0.1");
            try (DemoCluster cluster = DemoCluster.start("127.0.0.1", 0, 0, 0, 0, 0, freePorts)) {
                assertEquals(4, picks.get(), "two pairs picked");
                List<Integer> ports = cluster.replicationAddresses().stream().map(a -> a.getPort()).toList();
                assertTrue(!ports.contains(taken.getLocalPort()), "replication ports " + ports);
                HttpResponse<String> page = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
                        .send(HttpRequest.newBuilder(cluster.proxyUri().resolve("/api/whoami"))
                                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, page.statusCode(), page.body());
            }
        }
    }
}
