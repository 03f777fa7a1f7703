package dev.affinity.demo.launcher;

import static org.junit.jupiter.api.Assertions.assertTrue;

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
}
