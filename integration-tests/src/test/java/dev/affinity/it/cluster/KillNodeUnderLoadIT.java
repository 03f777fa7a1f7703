package dev.affinity.it.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.affinity.demo.launcher.DemoCluster;
import dev.affinity.demo.launcher.ReplicationPorts;
import dev.affinity.demo.launcher.SessionReplication;
import dev.affinity.proxy.config.ConfigReader;
import dev.affinity.proxy.config.ListenAddress;
import dev.affinity.proxy.config.ProxyConfig;
import dev.affinity.proxy.server.AffinityProxy;
import java.net.CookieManager;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The promise, with real processes: node1 and node2 each in a JVM of its own, replicating
 * sessions with Tomcat's clustering, behind the Affinity proxy configured from the demo's
 * cluster.conf. Twenty sticky clients count visits in their sessions for about 20 s; in the middle
 * node1's process is killed with SIGKILL. No GET may fail, and no client's counter may restart.
 */
class KillNodeUnderLoadIT {

    private static final String HOST = "127.0.0.1";
    private static final int CLIENTS = 20;
    private static final Duration LOAD = Duration.ofSeconds(20);
    /** When node1 dies: once this much of the load has run, and every client has counted a few visits. */
    private static final Duration KILL_AFTER = Duration.ofSeconds(8);
    private static final int VISITS_BEFORE_KILL = 5;
    /** A bound on each client's requests, besides the time. */
    private static final int MAX_REQUESTS_PER_CLIENT = 20_000;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

    private final List<AutoCloseable> started = new ArrayList<>();

    @AfterEach
    void stopEverything() throws Exception {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
    }

    @Test
    void killingANodeMidSessionLosesNoRequestAndNoCount() throws Exception {
        Pair pair = startPair();
        InetSocketAddress[] replication = pair.replication();
        NodeProcess node1 = pair.node1();
        NodeProcess node2 = pair.node2();
        int node1Port = node1.port();
        ProxyConfig config = ConfigReader.parse("cluster.conf", DemoCluster.configFor(HOST, node1Port, node2.port()))
                .withListen(List.of(new ListenAddress(HOST, 0)));
        AffinityProxy proxy = AffinityProxy.start(config);
        started.add(proxy);

        List<SessionClient> clients = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            clients.add(new SessionClient(i, proxy.uri()));
        }
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        long deadline = System.nanoTime() + LOAD.toNanos();
        List<Future<?>> running = new ArrayList<>();
        for (SessionClient client : clients) {
            running.add(pool.submit(() -> client.countUntil(deadline)));
        }
        long loadStart = System.nanoTime();
        try {
            await().atMost(LOAD).pollInterval(Duration.ofMillis(50)).until(() ->
                    System.nanoTime() - loadStart >= KILL_AFTER.toNanos()
                            && clients.stream().allMatch(c -> c.responses() >= VISITS_BEFORE_KILL));
            List<SessionClient> onNode1 = clients.stream().filter(c -> "node1".equals(c.lastNode())).toList();
            long killedAt = System.nanoTime();
            node1.kill();
            System.out.printf("SIGKILL to node1 (pid %d) after %.1f s of load; %d of %d clients were on node1%n",
                    node1.pid(), (killedAt - loadStart) / 1e9, onNode1.size(), CLIENTS);
            assertTrue(onNode1.size() >= 2, "the balancer put too few clients on node1 to show anything: " + onNode1.size());
            for (Future<?> f : running) {
                f.get(LOAD.toSeconds() + REQUEST_TIMEOUT.toSeconds() * 2, TimeUnit.SECONDS);
            }

            System.out.println("client  requests  failed  first..last visit  skipped  nodes");
            clients.forEach(c -> System.out.println(c.summary()));
            long total = clients.stream().mapToLong(SessionClient::responses).sum();
            System.out.printf("%d GETs in about %d s, %d failed%n", total, LOAD.toSeconds(),
                    clients.stream().mapToLong(SessionClient::failures).sum());

            for (SessionClient client : clients) {
                assertEquals(List.of(), client.failureMessages(), client.name() + ": every GET succeeds");
                assertTrue(client.countsWithoutReset(), client.name() + ": visits only go up: " + client.summary());
                assertEquals("node2", client.lastNode(), client.name() + " ends on node2, the node still alive");
            }
            for (SessionClient client : onNode1) {
                assertEquals("balancer.node2", client.balanceId(), client.name() + " was re-pinned to node2");
                assertTrue(client.visitsAfterKill() > 0, client.name() + " kept counting after node1 died");
            }
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(REQUEST_TIMEOUT.toSeconds() * 2, TimeUnit.SECONDS), "clients stopped");
        }

        // node1 comes back, gets the sessions from node2, and new clients again; the old ones stay on node2.
        startNode("node1", node1Port, replication[0], replication[1]);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() ->
                "node1".equals(new SessionClient(-1, proxy.uri()).visit().node()));
        for (SessionClient client : clients) {
            int before = client.lastVisits();
            SessionClient.Visit visit = client.visit();
            assertEquals("node2", visit.node(), client.name() + ": no fail-back to the returned node");
            assertEquals(before + 1, visit.visits(), client.name() + ": the counter goes on");
        }
    }

    private record Pair(NodeProcess node1, NodeProcess node2, InetSocketAddress[] replication) {
    }

    /**
     * node1 and node2, replicating to each other on ports picked free, and picked again if one was
     * taken before its node bound it ({@link ReplicationPorts}).
     */
    private Pair startPair() throws Exception {
        return ReplicationPorts.startPair(HOST, 0, 0, () -> SessionReplication.freePort(HOST),
                e -> e instanceof IllegalStateException && String.valueOf(e.getMessage()).contains("a port is already in use"),
                (replication1, replication2) -> {
                    int before = started.size();
                    try {
                        NodeProcess node1 = startNode("node1", 0, replication1, replication2);
                        NodeProcess node2 = startNode("node2", 0, replication2, replication1);
                        return new Pair(node1, node2, new InetSocketAddress[] {replication1, replication2});
                    } catch (Exception e) {
                        System.out.printf("the pair on replication ports %s did not start: %s%n",
                                List.of(replication1.getPort(), replication2.getPort()), e.getMessage());
                        while (started.size() > before) {
                            started.remove(started.size() - 1).close();
                        }
                        throw e;
                    }
                });
    }

    private NodeProcess startNode(String route, int port, InetSocketAddress self, InetSocketAddress peer) throws Exception {
        NodeProcess node = NodeProcess.start(route, port, self, List.of(peer));
        started.add(node);
        return node;
    }

    /**
     * One browser-like client: its own cookies, its own connections, GET /api/whoami in a loop. It
     * records every answer, and every failure (status other than 200, or no answer at all).
     */
    static final class SessionClient {
        private static final Pattern NODE = Pattern.compile("\"node\":\"([^\"]*)\"");
        private static final Pattern VISITS = Pattern.compile("\"visits\":(\\d+)");

        record Visit(String node, int visits) {
        }

        private final int id;
        private final URI whoami;
        private final CookieManager cookies = new CookieManager();
        private final HttpClient http;
        private final List<Visit> visits = new ArrayList<>();
        private final List<String> failures = new ArrayList<>();

        SessionClient(int id, URI proxy) {
            this.id = id;
            this.whoami = proxy.resolve("/api/whoami");
            this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).cookieHandler(cookies)
                    .connectTimeout(REQUEST_TIMEOUT).build();
        }

        String name() {
            return "client " + id;
        }

        void countUntil(long deadline) {
            for (int i = 0; i < MAX_REQUESTS_PER_CLIENT && System.nanoTime() < deadline; i++) {
                try {
                    Visit v = visit();
                    synchronized (this) {
                        visits.add(v);
                    }
                } catch (Exception e) {
                    synchronized (this) {
                        failures.add("request " + (visits.size() + failures.size() + 1) + ": " + e.getMessage());
                    }
                }
            }
        }

        Visit visit() throws Exception {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(whoami).timeout(REQUEST_TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("status " + r.statusCode() + ": " + r.body());
            }
            return new Visit(group(NODE, r.body()), Integer.parseInt(group(VISITS, r.body())));
        }

        private static String group(Pattern pattern, String body) {
            Matcher m = pattern.matcher(body);
            if (!m.find()) {
                throw new IllegalStateException("no " + pattern + " in " + body);
            }
            return m.group(1);
        }

        synchronized int responses() {
            return visits.size();
        }

        synchronized long failures() {
            return failures.size();
        }

        synchronized List<String> failureMessages() {
            return List.copyOf(failures);
        }

        synchronized String lastNode() {
            return visits.isEmpty() ? null : visits.get(visits.size() - 1).node();
        }

        synchronized int lastVisits() {
            return visits.get(visits.size() - 1).visits();
        }

        /** The answers after the last one node1 gave. */
        synchronized long visitsAfterKill() {
            int lastOnNode1 = -1;
            for (int i = 0; i < visits.size(); i++) {
                if ("node1".equals(visits.get(i).node())) {
                    lastOnNode1 = i;
                }
            }
            return visits.size() - lastOnNode1 - 1;
        }

        /**
         * Every answer's count is above the one before, starting at 1. A count may skip one (node1
         * counted a request, replicated it, and died before answering; the proxy then retried it on
         * node2), but never repeat or start again.
         */
        synchronized boolean countsWithoutReset() {
            int previous = 0;
            for (Visit v : visits) {
                if (v.visits() <= previous) {
                    return false;
                }
                previous = v.visits();
            }
            return !visits.isEmpty() && visits.get(0).visits() == 1;
        }

        synchronized String summary() {
            int skipped = 0;
            for (int i = 1; i < visits.size(); i++) {
                skipped += Math.max(0, visits.get(i).visits() - visits.get(i - 1).visits() - 1);
            }
            String nodes = visits.stream().map(Visit::node).distinct().reduce((a, b) -> a + "→" + b).orElse("-");
            return "%6d  %8d  %6d  %5d..%-5d  %7d  %s".formatted(id, visits.size(), failures.size(),
                    visits.isEmpty() ? 0 : visits.get(0).visits(), visits.isEmpty() ? 0 : lastVisits(), skipped, nodes);
        }

        String balanceId() {
            return cookies.getCookieStore().getCookies().stream().filter(c -> c.getName().equals("BALANCEID"))
                    .map(java.net.HttpCookie::getValue).findFirst().orElse(null);
        }
    }
}
