package dev.affinity.proxy.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.affinity.proxy.balancer.Member;
import dev.affinity.proxy.config.ConfigReader;
import dev.affinity.proxy.config.ProxyConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HttpClients the proxy makes for members on the HttpClient leg: one per distinct connect timeout
 * and ttl, none with a header cache per connection.
 */
class BackendClientsTest {

    /** ProxyTimeout 30 s; the members are never connected to. */
    private static final String CONFIG = """
            ProxyTimeout 30
            <Proxy balancer://c>
                BalancerMember https://127.0.0.1:9441 route=plain
                BalancerMember https://127.0.0.1:9442 route=ttl ttl=7
                BalancerMember https://127.0.0.1:9443 route=ttl-too ttl=7
                BalancerMember https://127.0.0.1:9444 route=connect connectiontimeout=750ms
                BalancerMember https://127.0.0.1:9445 route=timeout timeout=5
                BalancerMember https://127.0.0.1:9446 route=defaults-spelled-out ttl=15 connectiontimeout=30
            </Proxy>
            ProxyPass / balancer://c/
            """;

    /** A client's pool idle timeout (the ttl) and connect timeout. */
    private record Timeouts(long ttlMillis, long connectMillis) {
    }

    private final QueuedThreadPool executor = new QueuedThreadPool(8, 2);
    private final ScheduledExecutorScheduler scheduler = new ScheduledExecutorScheduler();
    /** Stops what it manages in reverse order, past a failure, as the proxy's handler does with its clients. */
    private final ContainerLifeCycle started = new ContainerLifeCycle();
    private Map<String, Member> members;
    private BackendClients clients;
    private HttpClient primary;
    private List<HttpClient> extra;

    @BeforeEach
    void start() throws Exception {
        started.addBean(executor, true);
        started.addBean(scheduler, true);
        started.start();
        ProxyConfig config = ConfigReader.parse("clients.conf", CONFIG);
        members = new Backends(config).all().values().stream()
                .flatMap(b -> b.members().stream())
                .collect(Collectors.toMap(Member::route, Function.identity()));
        clients = new BackendClients(executor, scheduler, 1, config.timeout(),
                members.values().stream().map(Member::config).toList());
        // As BalancingProxyHandler does: the primary client first, then one per other ttl and connect timeout.
        primary = clients.newClient(clients.defaultConnectTimeout());
        clients.configure(primary);
        started.addBean(primary, true);
        primary.start();
        extra = clients.startPerMemberClients(primary);
        extra.forEach(client -> started.addBean(client, true));
    }

    @AfterEach
    void stop() throws Exception {
        started.stop();
    }

    /**
     * The ttl is the member's, else Affinity's default (BackendClients.DEFAULT_TTL); as in httpd,
     * connectiontimeout is the member's, else its timeout, else ProxyTimeout. Members that come to the
     * same pair share a client, and the ones that come to the defaults share the primary one.
     */
    @Test
    void aMemberWithItsOwnTtlOrConnectTimeoutGetsAClientWithThem() {
        long defaultTtl = BackendClients.DEFAULT_TTL.toMillis();
        assertEquals(Map.of(
                        "plain", new Timeouts(defaultTtl, 30_000),
                        "ttl", new Timeouts(7_000, 30_000),
                        "ttl-too", new Timeouts(7_000, 30_000),
                        "connect", new Timeouts(defaultTtl, 750),
                        "timeout", new Timeouts(defaultTtl, 5_000),
                        "defaults-spelled-out", new Timeouts(defaultTtl, 30_000)),
                members.keySet().stream().collect(Collectors.toMap(Function.identity(), route -> timeouts(client(route)))));
        assertSame(primary, client("plain"));
        assertSame(primary, client("defaults-spelled-out"));
        assertSame(client("ttl"), client("ttl-too"));
        assertEquals(3, extra.size(), "one client each for ttl=7, connectiontimeout=750ms and timeout=5");
    }

    /**
     * Off, as on the clients' side (AffinityProxy): with it on, a connection that has read a response
     * carrying a Cache-Control value Jetty does not know keeps a trie of about 96 KiB as long as it lives.
     */
    @Test
    void noClientKeepsAHeaderCachePerConnection() {
        List<HttpClient> all = new ArrayList<>(extra);
        all.add(primary);
        for (HttpClient client : all) {
            assertEquals(0, ((HttpClientTransportOverHTTP) client.getTransport()).getHeaderCacheSize(),
                    "header cache of " + client);
        }
    }

    private HttpClient client(String route) {
        return clients.forMember(members.get(route).config());
    }

    private static Timeouts timeouts(HttpClient client) {
        return new Timeouts(client.getIdleTimeout(), client.getConnectTimeout());
    }
}
