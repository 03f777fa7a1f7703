package dev.affinity.demo.launcher;

import java.net.InetSocketAddress;
import java.util.function.IntSupplier;
import java.util.function.Predicate;

/**
 * The replication ports of a node pair. Tribes' static membership needs both before either node
 * starts, so port 0 is replaced by a port free now; but it comes from the ephemeral range, and a
 * connection anywhere on the machine may take it before the node binds it. Then the pair starts again
 * on other ports, at most {@value #ATTEMPTS} times. The failure does not say which port was taken: a
 * node's fixed port that is taken fails each try alike (the proxy's is never retried, see DemoCluster).
 */
public final class ReplicationPorts {

    /** How many pairs of ports are tried. */
    public static final int ATTEMPTS = 3;

    /** Starts a node pair on these replication addresses, node1's first. */
    @FunctionalInterface
    public interface PairStart<T> {
        T start(InetSocketAddress node1, InetSocketAddress node2) throws Exception;
    }

    private ReplicationPorts() {
    }

    /**
     * @param port1     node1's replication port, 0 for a free one; {@code port2} likewise for node2
     * @param freePorts picks a free port; tests hand out a taken one first
     * @param portTaken whether a failure to start was a port in use
     */
    public static <T> T startPair(String host, int port1, int port2, IntSupplier freePorts,
                                  Predicate<Exception> portTaken, PairStart<T> start) throws Exception {
        boolean picked = port1 == 0 || port2 == 0;
        for (int attempt = 1; ; attempt++) {
            int self1 = port1 != 0 ? port1 : pickOther(freePorts, port2);
            int self2 = port2 != 0 ? port2 : pickOther(freePorts, self1);
            try {
                return start.start(new InetSocketAddress(host, self1), new InetSocketAddress(host, self2));
            } catch (Exception e) {
                if (!picked || attempt == ATTEMPTS || !portTaken.test(e)) {
                    throw e;
                }
            }
        }
    }

    /** A free port other than the given one: two picks may give the same port, free both times. */
    private static int pickOther(IntSupplier freePorts, int other) {
        int port = freePorts.getAsInt();
        for (int i = 0; port == other && i < 10; i++) {
            port = freePorts.getAsInt();
        }
        return port;
    }
}
