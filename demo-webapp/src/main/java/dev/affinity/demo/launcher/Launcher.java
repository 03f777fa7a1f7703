package dev.affinity.demo.launcher;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code java -jar affinity-demo.jar}: the demo cluster (proxy on 8080, node1 on 8081, node2 on
 * 8082) until Ctrl-C or SIGTERM. {@code node} starts one node alone and {@code proxy} the proxy
 * alone, so that a node can be killed for real while the rest runs.
 */
@Command(name = "affinity-demo", mixinStandardHelpOptions = true,
        description = "Two Tomcat nodes behind the Affinity proxy: sticky sessions, failover, redirect rewriting.",
        subcommands = {Launcher.Node.class, Launcher.Proxy.class})
public final class Launcher implements Callable<Integer> {

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "loopback address to bind (default ${DEFAULT-VALUE})")
    private String host;

    @Option(names = "--ports", split = ",", paramLabel = "PROXY,NODE1,NODE2",
            description = "ports for proxy, node1 and node2 (default 8080,8081,8082; 0 picks a free port)")
    private List<Integer> ports = List.of(DemoCluster.PROXY_PORT, DemoCluster.NODE1_PORT, DemoCluster.NODE2_PORT);

    @Option(names = "--replication-ports", split = ",", paramLabel = "NODE1,NODE2",
            description = "ports on which the nodes replicate sessions to each other (default 4081,4082; 0 picks a free port)")
    private List<Integer> replicationPorts = List.of(DemoCluster.NODE1_REPLICATION_PORT, DemoCluster.NODE2_REPLICATION_PORT);

    public static void main(String[] args) {
        CommandLine command = new CommandLine(new Launcher());
        // A port in use is the likeliest first-run problem: one line that says so, no stack trace.
        command.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("affinity-demo: cannot start: " + reason(e));
            return e instanceof dev.affinity.proxy.config.ConfigException ? 2 : 1;
        });
        System.exit(command.execute(args));
    }

    private static final String CHOOSE_OTHERS =
            "; choose others with --ports and --replication-ports (for a node alone: --port and --replication-port)";

    private static String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.BindException) {
                // Taken between the look before starting and the bind: the JDK's message names no port.
                return "a port is already in use (" + t.getMessage() + ")" + CHOOSE_OTHERS;
            }
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    /** Says which port cannot be listened on and why, if one cannot, and returns true: nothing was started. */
    static boolean reportUnavailable(String command, List<ListenPort> ports) {
        Optional<String> reason = ListenPort.firstUnavailable(ports);
        reason.ifPresent(why -> System.err.println(command + ": cannot start: " + why + CHOOSE_OTHERS));
        return reason.isPresent();
    }

    @Override
    public Integer call() throws Exception {
        if (ports.size() != 3) {
            System.err.println("affinity-demo: --ports takes three ports: PROXY,NODE1,NODE2 (e.g. --ports 0,0,0)");
            return 2;
        }
        if (replicationPorts.size() != 2) {
            System.err.println("affinity-demo: --replication-ports takes two ports: NODE1,NODE2 (e.g. --replication-ports 0,0)");
            return 2;
        }
        if (reportUnavailable("affinity-demo", List.of(new ListenPort("the proxy", host, ports.get(0)),
                new ListenPort("node1", host, ports.get(1)), new ListenPort("node2", host, ports.get(2)),
                new ListenPort("node1's session replication", host, replicationPorts.get(0)),
                new ListenPort("node2's session replication", host, replicationPorts.get(1))))) {
            return 1;
        }
        DemoCluster cluster = DemoCluster.start(host, ports.get(0), ports.get(1), ports.get(2),
                replicationPorts.get(0), replicationPorts.get(1));
        System.out.println();
        System.out.println("Affinity demo cluster is up:");
        System.out.println("  node1  " + cluster.node1().uri());
        System.out.println("  node2  " + cluster.node2().uri());
        System.out.println("  proxy  " + cluster.proxyUri());
        System.out.println();
        System.out.println("Open " + browserUrl(cluster.proxyUri().getPort()) + " and press Ctrl-C to stop.");
        awaitShutdown(cluster);
        return 0;
    }

    /** localhost rather than 127.0.0.1: cluster.conf rewrites cookie domains to localhost, so the browser keeps them. */
    private String browserUrl(int port) {
        return "http://" + ("127.0.0.1".equals(host) ? "localhost" : host) + ":" + port + "/";
    }

    /** Blocks until SIGTERM or Ctrl-C, then closes what it started. */
    static void awaitShutdown(AutoCloseable started) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                started.close();
            } catch (Exception e) {
                System.err.println("affinity-demo: error while stopping: " + e);
            } finally {
                stopped.countDown();
            }
        }, "affinity-demo-shutdown"));
        stopped.await();
    }

    /**
     * {@code node --route node1 --port 8081 [--replication-port 4081 --peer 127.0.0.1:4082]}: one node
     * alone, replicating its sessions with the peers when given a replication port.
     */
    @Command(name = "node", mixinStandardHelpOptions = true, description = "Start one demo node alone.")
    static final class Node implements Callable<Integer> {
        @Option(names = "--route", required = true, description = "the node's route, e.g. node1")
        private String route;

        @Option(names = "--port", required = true, description = "port (0 picks a free one)")
        private int port;

        @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to bind (default ${DEFAULT-VALUE})")
        private String host;

        @Option(names = "--replication-port", paramLabel = "PORT",
                description = "replicate sessions with the peers, receiving on this port (default: no replication)")
        private Integer replicationPort;

        @Option(names = "--peer", paramLabel = "HOST:PORT", converter = PeerAddress.class,
                description = "another node's replication address; repeat for each node")
        private List<InetSocketAddress> peers = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            if (replicationPort == null && !peers.isEmpty()) {
                System.err.println("affinity-demo node: --peer needs --replication-port (the port this node receives on)");
                return 2;
            }
            List<ListenPort> listens = new ArrayList<>(List.of(new ListenPort(route, host, port)));
            if (replicationPort != null) {
                listens.add(new ListenPort(route + "'s session replication", host, replicationPort));
            }
            if (reportUnavailable("affinity-demo node", listens)) {
                return 1;
            }
            Optional<SessionReplication> replication = Optional.empty();
            if (replicationPort != null) {
                replication = Optional.of(new SessionReplication(new InetSocketAddress(host, replicationPort), peers));
            }
            DemoNode node = DemoNode.start(route, host, port, replication);
            System.out.println("Affinity demo node " + route + " is up at " + node.uri());
            awaitShutdown(node);
            return 0;
        }
    }

    /** HOST:PORT as given to --peer; picocli reports a wrong one as a usage error naming the option. */
    static final class PeerAddress implements CommandLine.ITypeConverter<InetSocketAddress> {
        @Override
        public InetSocketAddress convert(String text) {
            int colon = text.lastIndexOf(':');
            String port = colon < 0 ? "" : text.substring(colon + 1);
            if (colon <= 0 || !port.matches("[0-9]{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
                throw new CommandLine.TypeConversionException("expected HOST:PORT, e.g. 127.0.0.1:4082");
            }
            return new InetSocketAddress(text.substring(0, colon), Integer.parseInt(port));
        }
    }

    /** {@code proxy --config cluster.conf}: the proxy alone, exactly as affinity-proxy.jar runs it. */
    @Command(name = "proxy", description = "Start the Affinity proxy alone (same options as affinity-proxy.jar: --config FILE [--listen HOST:PORT]).")
    static final class Proxy implements Callable<Integer> {
        @CommandLine.Unmatched
        private List<String> args = new ArrayList<>();

        @Override
        public Integer call() {
            return dev.affinity.proxy.Main.run(args.toArray(String[]::new));
        }
    }
}
