package dev.affinity.demo.launcher;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Optional;

/**
 * A port the demo is about to listen on, and whose it is: looked at before anything starts, so that a
 * port already in use, the likeliest first-run problem, is one line naming it. Found only once a node
 * or the proxy tried to bind, it would come after Tomcat's own report of it (stack traces), and name
 * no port. So is any other reason it cannot be listened on.
 *
 * @param owner whose port it is, as the message names it ({@code the proxy}, {@code node1}, ...)
 * @param host  the address it is bound on
 * @param port  the port; 0 (any free port) is never taken
 */
record ListenPort(String owner, String host, int port) {

    /** The first of the ports that cannot be listened on now, with why, if any. */
    static Optional<String> firstUnavailable(List<ListenPort> ports) {
        return ports.stream().map(ListenPort::unavailable).flatMap(Optional::stream).findFirst();
    }

    /**
     * Why it cannot be listened on now, if it cannot: found by binding it as the servers will (with
     * SO_REUSEADDR, so a port left in TIME_WAIT by a demo just stopped is free, as it is for them).
     * {@code a port is already in use: 8081 on 127.0.0.1 (for node1)}, or for any other failure (an
     * address not on this machine, a port the user may not bind) the system's reason.
     */
    Optional<String> unavailable() {
        if (port == 0) {
            return Optional.empty();
        }
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(host, port), 1);
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            // BindException stands for EADDRINUSE, EADDRNOTAVAIL and EACCES alike: only its text tells them apart.
            if (e instanceof BindException && String.valueOf(e.getMessage()).contains("in use")) {
                return Optional.of("a port is already in use: " + this);
            }
            return Optional.of("cannot listen on " + this + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()));
        }
    }

    /** As the message says it: {@code 8081 on 127.0.0.1 (for node1)}. */
    @Override
    public String toString() {
        return port + " on " + host + " (for " + owner + ")";
    }
}
