package dev.affinity.demo.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ListenPortTest {

    @Test
    void aPortAnotherSocketListensOnIsTakenAndNamedWithItsOwner() throws Exception {
        try (ServerSocket other = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            ListenPort port = new ListenPort("node1", "127.0.0.1", other.getLocalPort());
            assertEquals(Optional.of("a port is already in use: " + other.getLocalPort() + " on 127.0.0.1 (for node1)"),
                    port.unavailable());
        }
    }

    @Test
    void aFreePortAndPortZeroAreNotTaken() throws Exception {
        int free;
        try (ServerSocket probe = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            free = probe.getLocalPort();
        }
        assertEquals(Optional.empty(), new ListenPort("node1", "127.0.0.1", free).unavailable());
        assertEquals(Optional.empty(), new ListenPort("node1", "127.0.0.1", 0).unavailable());
    }

    /** Not "in use": the system's own reason, here for an address not on this machine (binding it sends nothing). */
    @Test
    void anyOtherReasonIsTheSystemsNamingThePortToo() {
        Optional<String> elsewhere = new ListenPort("node1", "192.0.2.1", 8081).unavailable();
        assertTrue(elsewhere.orElseThrow().startsWith("cannot listen on 8081 on 192.0.2.1 (for node1): "), elsewhere.toString());
        assertFalse(elsewhere.orElseThrow().contains("in use"), elsewhere.toString());
    }

    @Test
    void theFirstTakenInTheOrderGivenIsTheOneReported() throws Exception {
        try (ServerSocket one = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
             ServerSocket two = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            ListenPort free = new ListenPort("the proxy", "127.0.0.1", 0);
            ListenPort first = new ListenPort("node1", "127.0.0.1", one.getLocalPort());
            ListenPort second = new ListenPort("node2", "127.0.0.1", two.getLocalPort());
            assertEquals(first.unavailable(), ListenPort.firstUnavailable(List.of(free, first, second)));
            assertEquals(second.unavailable(), ListenPort.firstUnavailable(List.of(free, second, first)));
            assertTrue(ListenPort.firstUnavailable(List.of(free, first)).orElseThrow().contains("(for node1)"));
            assertEquals(Optional.empty(), ListenPort.firstUnavailable(List.of(free)));
        }
    }
}
