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
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HttpClients the proxy makes for members on the HttpClient leg: one per distinct connect timeout
 * and ttl, each configured alike.
 */
class BackendClientsTest {

    private final QueuedThreadPool executor = new QueuedThreadPool(8, 2);
    private final ScheduledExecutorScheduler scheduler = new ScheduledExecutorScheduler();
    private final List<HttpClient> started = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        executor.start();
        scheduler.start();
    }

    @AfterEach
    void stop() throws Exception {
        for (HttpClient client : started) {
            client.stop();
        }
        scheduler.stop();
        executor.stop();
    }

    /**
     * A member with its own ttl or connectiontimeout gets a client of its own with that idle timeout
     * or connect timeout; the others share the primary one. None keeps a header cache per connection:
     * with one, each pooled connection to a member holds a trie of about 96 KiB once it has read an
     * answer (see AffinityProxy for the same on the clients' side).
     */
    @Test
    void eachTtlAndConnectTimeoutHasItsClientAndNoneCachesHeaders() throws Exception {
        ProxyConfig config = ConfigReader.parse("clients.conf", """
                ProxyTimeout 30
                <Proxy balancer://c>
                    BalancerMember https://127.0.0.1:9441 route=plain
                    BalancerMember https://127.0.0.1:9442 route=ttl ttl=7
                    BalancerMember https://127.0.0.1:9443 route=connect connectiontimeout=750ms
                </Proxy>
                ProxyPass / balancer://c/
                """);
        Map<String, Member> members = new Backends(config).all().values().stream()
                .flatMap(b -> b.members().stream())
                .collect(Collectors.toMap(Member::route, Function.identity()));
        BackendClients clients = new BackendClients(executor, scheduler, 1, config.timeout(),
                members.values().stream().map(Member::config).toList());

        HttpClient primary = clients.newClient(clients.defaultConnectTimeout());
        clients.configure(primary);
        primary.start();
        started.add(primary);
        List<HttpClient> extra = clients.startPerMemberClients(primary);
        started.addAll(extra);

        assertEquals(2, extra.size(), "one client for the member's ttl, one for its connect timeout");
        HttpClient plain = clients.forMember(members.get("plain").config());
        HttpClient ttl = clients.forMember(members.get("ttl").config());
        HttpClient connect = clients.forMember(members.get("connect").config());
        assertSame(primary, plain);
        assertEquals(Map.of(
                        "plain", List.of(BackendClients.DEFAULT_TTL.toMillis(), 30_000L),
                        "ttl", List.of(7_000L, 30_000L),
                        "connect", List.of(BackendClients.DEFAULT_TTL.toMillis(), 750L)),
                Map.of("plain", timeouts(plain), "ttl", timeouts(ttl), "connect", timeouts(connect)));
        for (HttpClient client : started) {
            assertEquals(0, ((HttpClientTransportOverHTTP) client.getTransport()).getHeaderCacheSize(),
                    "header cache of " + client);
        }
    }

    /** The pool's idle timeout (the ttl) and the connect timeout, in ms. */
    private static List<Long> timeouts(HttpClient client) {
        return List.of(client.getIdleTimeout(), client.getConnectTimeout());
    }
}
