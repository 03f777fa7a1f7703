package dev.affinity.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.affinity.proxy.testing.Proxies;
import dev.affinity.proxy.testing.RawHttp;
import dev.affinity.proxy.testing.TestBackend;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.ManagedSelector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The proxy's selectors hand out ready sockets in the order they became ready: the test JVM, as the
 * proxy's jar, opens the JDK's selector to {@link ReadyOrder} (the build's argLine).
 */
class ReadyOrderTest {

    private static final int SOCKETS = 24;

    private final List<SocketChannel> channels = new ArrayList<>();

    @AfterEach
    void close() throws IOException {
        for (SocketChannel channel : channels) {
            channel.close();
        }
    }

    @Test
    void readySocketsComeInTheOrderTheirBytesArrived() throws Exception {
        try (Selector selector = Selector.open();
             ServerSocketChannel listener = ServerSocketChannel.open()) {
            assertTrue(ReadyOrder.install(selector), "the JDK lets ReadyOrder in (the build's argLine opens sun.nio.ch)");
            listener.bind(new InetSocketAddress("127.0.0.1", 0));
            List<SocketChannel> clients = new ArrayList<>();
            List<SocketChannel> accepted = new ArrayList<>();
            for (int i = 0; i < SOCKETS; i++) {
                SocketChannel client = SocketChannel.open(listener.getLocalAddress());
                SocketChannel server = listener.accept();
                channels.add(client);
                channels.add(server);
                server.configureBlocking(false);
                server.register(selector, SelectionKey.OP_READ, i);
                clients.add(client);
                accepted.add(server);
            }
            // The JDK hands registrations to epoll at the next select: done now, while no socket is ready,
            // as for the proxy's long registered connections. (Added when already ready, a socket is
            // reported in the order it was added.)
            assertEquals(0, selector.selectNow());
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < SOCKETS; i++) {
                order.add(i);
            }
            Collections.shuffle(order, new Random(7));
            for (int i : order) {
                clients.get(i).write(ByteBuffer.wrap(new byte[] {1, 2}));
                // One byte read back proves this socket is ready before the next one gets its bytes;
                // the other byte keeps it ready for the select.
                awaitOneByte(accepted.get(i));
            }

            assertEquals(SOCKETS, selector.select(5_000));
            List<Integer> reported = new ArrayList<>();
            for (SelectionKey key : selector.selectedKeys()) {
                reported.add((Integer) key.attachment());
            }
            assertEquals(order, reported);
            selector.selectedKeys().clear();
            assertTrue(selector.selectedKeys().isEmpty());
        }
    }

    @Test
    void theProxysSelectorsKeepTheOrder() throws Exception {
        try (TestBackend backend = TestBackend.start("node1", "127.0.0.1");
             AffinityProxy proxy = Proxies.start("ProxyPass /app " + backend.url() + "/app\n")) {
            assertEquals(200, RawHttp.exchange("127.0.0.1", proxy.port(), "GET /app/x HTTP/1.1\r\nHost: a\r\n\r\n").status());
            Collection<ManagedSelector> selectors = proxy.connector(0).getSelectorManager().getBeans(ManagedSelector.class);
            assertFalse(selectors.isEmpty());
            for (ManagedSelector selector : selectors) {
                // The view ReadyOrder put in place of the JDK's (a private class of the JDK otherwise).
                assertEquals(ReadyOrder.class, selector.getSelector().selectedKeys().getClass().getEnclosingClass());
            }
        }
    }

    private static void awaitOneByte(SocketChannel channel) throws IOException {
        ByteBuffer one = ByteBuffer.allocate(1);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (channel.read(one) == 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no byte arrived within 5 s");
            }
            Thread.onSpinWait();
        }
    }
}
