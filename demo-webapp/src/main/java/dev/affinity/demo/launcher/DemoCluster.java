package dev.affinity.demo.launcher;

import dev.affinity.proxy.config.ConfigReader;
import dev.affinity.proxy.config.ListenAddress;
import dev.affinity.proxy.config.ProxyConfig;
import dev.affinity.proxy.server.AffinityProxy;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.function.IntSupplier;

/**
 * The demo cluster: node1 and node2 as embedded Tomcats, and the Affinity proxy in front of them,
 * configured from {@code cluster.conf} as a user would configure it. For the integration tests and
 * for the launcher alike.
 *
 * <p>cluster.conf names 127.0.0.1:8080 (proxy), :8081 and :8082 (nodes). Other ports, or port 0
 * for free ones, are put into its text before it is read, so the file stays the tutorial's shape.
 *
 * <p>The nodes replicate their sessions to each other with Tomcat's clustering (see
 * {@link SessionReplication}), on ports 4081 and 4082 by default.
 */
public final class DemoCluster implements AutoCloseable {

    /** The ports cluster.conf is written for. */
    public static final int PROXY_PORT = 8080;
    public static final int NODE1_PORT = 8081;
    public static final int NODE2_PORT = 8082;
    /** The nodes' session replication ports. */
    public static final int NODE1_REPLICATION_PORT = 4081;
    public static final int NODE2_REPLICATION_PORT = 4082;

    private final String host;
    private final int[] nodePorts;
    private final DemoNode[] nodes;
    private final SessionReplication[] replications;
    private final AffinityProxy proxy;
    private final String configText;

    private DemoCluster(String host, DemoNode node1, DemoNode node2, SessionReplication[] replications,
            AffinityProxy proxy, String configText) {
        this.host = host;
        this.nodePorts = new int[] {node1.port(), node2.port()};
        this.nodes = new DemoNode[] {node1, node2};
        this.replications = replications;
        this.proxy = proxy;
        this.configText = configText;
    }

    /** Starts the nodes, then the proxy, on free ports. */
    public static DemoCluster start(String host) throws Exception {
        return start(host, 0, 0, 0, 0, 0);
    }

    /** Starts the nodes, then the proxy; port 0 picks a free port for any of them. */
    public static DemoCluster start(String host, int proxyPort, int node1Port, int node2Port,
            int node1ReplicationPort, int node2ReplicationPort) throws Exception {
        return start(host, proxyPort, node1Port, node2Port, node1ReplicationPort, node2ReplicationPort,
                () -> SessionReplication.freePort(host));
    }

    /**
     * As {@link #start(String, int, int, int, int, int)}, with replication ports picked free by
     * {@code freePorts}. The nodes start again on others if one was taken before its node bound it
     * ({@link ReplicationPorts}); the proxy starts once they are up, and its port is not retried:
     * other replication ports would not free it.
     */
    static DemoCluster start(String host, int proxyPort, int node1Port, int node2Port,
            int node1ReplicationPort, int node2ReplicationPort, IntSupplier freePorts) throws Exception {
        Nodes nodes = ReplicationPorts.startPair(host, node1ReplicationPort, node2ReplicationPort, freePorts,
                DemoCluster::portTaken, (replication1, replication2) ->
                        Nodes.start(host, node1Port, node2Port, replication1, replication2));
        try {
            String text = configFor(host, nodes.node1().port(), nodes.node2().port());
            ProxyConfig config = ConfigReader.parse("cluster.conf", text)
                    .withListen(List.of(new ListenAddress(host, proxyPort)));
            AffinityProxy proxy = AffinityProxy.start(config);
            return new DemoCluster(host, nodes.node1(), nodes.node2(), nodes.replications(), proxy, text);
        } catch (Exception e) {
            nodes.close();
            throw e;
        }
    }

    /** The two nodes, replicating sessions to each other. */
    private record Nodes(DemoNode node1, DemoNode node2, SessionReplication[] replications) {

        static Nodes start(String host, int node1Port, int node2Port,
                InetSocketAddress replication1, InetSocketAddress replication2) throws Exception {
            SessionReplication[] replications = {
                new SessionReplication(replication1, List.of(replication2)),
                new SessionReplication(replication2, List.of(replication1))
            };
            DemoNode node1 = DemoNode.start("node1", host, node1Port, Optional.of(replications[0]));
            try {
                DemoNode node2 = DemoNode.start("node2", host, node2Port, Optional.of(replications[1]));
                return new Nodes(node1, node2, replications);
            } catch (Exception e) {
                closeQuietly(node1);
                throw e;
            }
        }

        void close() {
            closeQuietly(node2);
            closeQuietly(node1);
        }
    }

    private static boolean portTaken(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                return true;
            }
        }
        return false;
    }

    /** The nodes' replication addresses, node1's first. */
    List<InetSocketAddress> replicationAddresses() {
        return List.of(replications[0].self(), replications[1].self());
    }

    /** cluster.conf with the nodes' real addresses in place of 127.0.0.1:8081 and :8082. */
    public static String configFor(String host, int node1Port, int node2Port) {
        // One pass, so that swapped ports (node1 on 8082) are not replaced twice.
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("127\\.0\\.0\\.1:(" + NODE1_PORT + "|" + NODE2_PORT + ")\\b")
                .matcher(shippedConfig());
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            int port = Integer.parseInt(m.group(1)) == NODE1_PORT ? node1Port : node2Port;
            m.appendReplacement(out, java.util.regex.Matcher.quoteReplacement(host + ":" + port));
        }
        return m.appendTail(out).toString();
    }

    /** The cluster.conf shipped in the jar. */
    public static String shippedConfig() {
        try (InputStream in = DemoCluster.class.getResourceAsStream("/cluster.conf")) {
            if (in == null) {
                throw new IllegalStateException("cluster.conf is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public URI proxyUri() {
        return proxy.uri();
    }

    public synchronized DemoNode node1() {
        return nodes[0];
    }

    public synchronized DemoNode node2() {
        return nodes[1];
    }

    /** Stops a node ("node1" or "node2") as if its process had gone: its port refuses connections. */
    public synchronized void stopNode(String route) throws Exception {
        int i = index(route);
        if (nodes[i] != null) {
            nodes[i].close();
            nodes[i] = null;
        }
    }

    /** Starts a stopped node again on its old port. */
    public synchronized void startNode(String route) throws Exception {
        int i = index(route);
        if (nodes[i] == null) {
            nodes[i] = DemoNode.start(route, host, nodePorts[i], Optional.of(replications[i]));
        }
    }

    private static int index(String route) {
        return switch (route) {
            case "node1" -> 0;
            case "node2" -> 1;
            default -> throw new IllegalArgumentException("no node '" + route + "' (expected: node1 or node2)");
        };
    }

    /** The config text the proxy runs, after the ports were put in. */
    public String configText() {
        return configText;
    }

    @Override
    public synchronized void close() throws Exception {
        proxy.close();
        closeQuietly(nodes[1]);
        closeQuietly(nodes[0]);
    }

    private static void closeQuietly(DemoNode node) {
        if (node != null) {
            try {
                node.close();
            } catch (Exception e) {
                // stopping is best effort: the JVM may be on its way out
            }
        }
    }
}
