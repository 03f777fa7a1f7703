package dev.affinity.proxy.server;

import static java.util.Objects.requireNonNull;

import dev.affinity.proxy.balancer.Balancer;
import dev.affinity.proxy.balancer.BalancerConfig;
import dev.affinity.proxy.balancer.Member;
import dev.affinity.proxy.balancer.MemberConfig;
import dev.affinity.proxy.balancer.MemberStatus;
import dev.affinity.proxy.config.ConfigReader;
import dev.affinity.proxy.config.ListenAddress;
import dev.affinity.proxy.config.ProxyConfig;
import dev.affinity.proxy.config.ServerName;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.SocketAddressResolver;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Affinity reverse proxy, for the command line and for embedding:
 * <pre>{@code
 * ProxyConfig config = ProxyConfig.builder()
 *         .listen("127.0.0.1", 0)
 *         .balancer(BalancerConfig.named("mycluster")
 *                 .withMember(MemberConfig.of("http://127.0.0.1:9001").withRoute("node1"))
 *                 .withMember(MemberConfig.of("http://127.0.0.1:9002").withRoute("node2"))
 *                 .with("stickysession", "BALANCEID"))
 *         .proxyPassMatch("^(/.*)$", "balancer://mycluster$1")
 *         .proxyPassReverse("/", "balancer://mycluster/")
 *         .build();
 * try (AffinityProxy proxy = AffinityProxy.start(config)) {
 *     URI uri = proxy.uri();
 * }
 * }</pre>
 *
 * <p>Thread-safe: start and close may be called from any thread, once each.
 */
public final class AffinityProxy implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AffinityProxy.class);

    private final ProxyConfig config;
    /** Looks members' host names up; null for Jetty's, off the selector threads. */
    private final SocketAddressResolver resolver;
    private Server server;
    private HealthChecker healthChecker;
    private List<ServerConnector> connectors = List.of();

    public AffinityProxy(ProxyConfig config) {
        this(config, null);
    }

    /** With the given resolver for members' host names: tests script the answers. */
    AffinityProxy(ProxyConfig config, SocketAddressResolver resolver) {
        this.config = requireNonNull(config, "config");
        this.resolver = resolver;
        if (config.listen().isEmpty()) {
            throw new IllegalArgumentException("no address to listen on (expected: Listen [HOST:]PORT or --listen HOST:PORT)");
        }
    }

    /** Reads an httpd-style config file and starts the proxy it describes. */
    public static AffinityProxy start(Path configFile) throws Exception {
        return start(ConfigReader.read(configFile));
    }

    public static AffinityProxy start(ProxyConfig config) throws Exception {
        AffinityProxy proxy = new AffinityProxy(config);
        proxy.start();
        return proxy;
    }

    public synchronized void start() throws Exception {
        if (server != null) {
            throw new IllegalStateException("already started");
        }
        Backends backends = new Backends(config);
        List<MemberConfig> members = backends.all().values().stream()
                .flatMap(b -> b.config().members().stream()).toList();
        // One small pool for server and clients, without reserved threads: measured with bench/run on
        // 2 cores, 16 threads plus reserved ones cost about a third more CPU per request than 8 without.
        // Requests and responses run on the selector threads (the handler and the clients never block),
        // so there is one selector per core on each side, as nginx has one worker per core; measured on
        // 2 cores, 2 + 2 selectors did 56k req/s at 21.8 us CPU per request, 1 + 1 did 43k at 24.0.
        // Each connector and each backend client holds its selector threads, so the pool grows with them.
        int cores = Runtime.getRuntime().availableProcessors();
        int clients = BackendClients.clientCount(members, config.timeout());
        int selectorThreads = cores * (clients + config.listen().size()) + config.listen().size();
        QueuedThreadPool threads = new QueuedThreadPool(Math.max(8, 4 * cores) + selectorThreads, 4);
        threads.setReservedThreads(0);
        threads.setName("affinity");
        Scheduler scheduler = new ScheduledExecutorScheduler("affinity-scheduler", false);
        ByteBufferPool buffers = new ArrayByteBufferPool();
        Server jetty = new Server(threads, scheduler, buffers);
        List<ServerConnector> created = new ArrayList<>();
        for (ListenAddress address : config.listen()) {
            SharedSelectorConnector connector = new SharedSelectorConnector(jetty, new ConnectionResumeExecutor(threads),
                    scheduler, buffers, cores, new ClientConnectionFactory(httpConfiguration()));
            connector.setHost(address.host().isEmpty() ? null : address.host());
            // Room for a burst of new connections, as nginx and HAProxy have; the JDK's default is 50.
            connector.setAcceptQueueSize(1024);
            connector.setPort(address.port());
            jetty.addConnector(connector);
            created.add(connector);
        }
        BackendClients backendClients = resolver == null
                ? new BackendClients(threads, scheduler, cores, config.timeout(), members)
                : new BackendClients(threads, scheduler, cores, config.timeout(), members, resolver);
        String serverHost = config.serverName().map(ServerName::host).orElseGet(AffinityProxy::localHostName);
        ForwardingHeaders forwarding = new ForwardingHeaders(config, serverHost, version());
        jetty.setHandler(new BalancingProxyHandler(config, backends, backendClients, forwarding,
                new ClientOrigins(config.serverName()), buffers));
        jetty.setStopTimeout(5_000);
        try {
            jetty.start();
        } catch (Exception e) {
            jetty.stop();
            throw e;
        }
        server = jetty;
        connectors = List.copyOf(created);
        healthChecker = new HealthChecker(backends.all().values().stream().flatMap(b -> b.members().stream()).toList(),
                backendClients, scheduler, config.healthExpressions());
        healthChecker.start();
        logStarted(backends);
    }

    static HttpConfiguration httpConfiguration() {
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        // The backend's Date passes through; a second one from the proxy would be a duplicate.
        http.setSendDateHeader(false);
        http.setRequestHeaderSize(8192);
        http.setResponseHeaderSize(65536);
        // No header cache per connection: Jetty's gives each connection's parser a trie of about 96 KiB
        // once it has parsed a request. With the -Xmx96m README recommends, 256 clients held 29 MB of
        // them, and 1000 ran the heap out; without, 1000 clients are served (39k req/s in the bench).
        // The cache only spares allocating the header fields a connection repeats, about 200 bytes per
        // request.
        http.setHeaderCacheSize(0);
        // The paths httpd forwards, let through to the handler instead of Jetty's 400. The handler puts
        // the path in one form before mapping it (RequestTarget.canonicalPath) and sends it on in that
        // form, percent-encoded as httpd sends it:
        // - "//", which the handler merges as httpd's MergeSlashes does;
        // - characters a URI may not hold as they are: non-ASCII, and " < > [ ] ^ ` { | } (browsers
        //   send | ^ [ ] as they are);
        // - %25, and escapes of bytes that are not UTF-8 (%E9), whose meaning is the member's to decide.
        // Still refused (400): %2F, encoded dot segments (%2e%2e) and ".." with a parameter (/..;/),
        // which a member could resolve to a path the mapping never saw; a backslash, raw or %5C, which
        // some members (IIS, Tomcat with allowBackslash) take for a slash; %00, %0A and other encoded
        // controls, and %u escapes.
        http.setUriCompliance(UriCompliance.DEFAULT.with("affinity",
                UriCompliance.Violation.AMBIGUOUS_EMPTY_SEGMENT,
                UriCompliance.Violation.ILLEGAL_PATH_CHARACTERS,
                UriCompliance.Violation.AMBIGUOUS_PATH_ENCODING,
                UriCompliance.Violation.BAD_UTF8_ENCODING));
        return http;
    }

    /** The version in the jar's manifest; "development" when run from classes. */
    public static String version() {
        String v = AffinityProxy.class.getPackage().getImplementationVersion();
        return v == null ? "development" : v;
    }

    private static String localHostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    private void logStarted(Backends backends) {
        for (Balancer b : backends.all().values()) {
            BalancerConfig c = b.config();
            LOG.info("{}: lbmethod={} stickysession={} nofailover={} maxattempts={} timeout={}s", b, c.lbmethod(),
                    c.stickySession().orElse("(none)"), c.noFailover() ? "On" : "Off", b.maxAttempts(),
                    c.timeout().toSeconds());
            for (Member m : b.members()) {
                MemberConfig mc = m.config();
                LOG.info("{} loadfactor={} status={} retry={}s", m,
                        java.math.BigDecimal.valueOf(mc.loadFactor()).stripTrailingZeros().toPlainString(),
                        mc.status().isEmpty() ? "ok" : MemberStatus.format(mc.status()), mc.retry().toSeconds());
            }
        }
        for (URI uri : uris()) {
            LOG.info("Affinity listening on {}", uri);
        }
    }

    /** The port of the first Listen address, as bound (so port 0 reads as the port chosen). */
    public int port() {
        return connector(0).getLocalPort();
    }

    /** The URL of the first Listen address, e.g. {@code http://127.0.0.1:8080/}. */
    public URI uri() {
        return uris().get(0);
    }

    public synchronized List<URI> uris() {
        List<URI> uris = new ArrayList<>();
        for (ServerConnector c : connectors) {
            String host = c.getHost() == null ? "0.0.0.0" : c.getHost();
            host = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
            uris.add(URI.create("http://" + host + ":" + c.getLocalPort() + "/"));
        }
        return uris;
    }

    synchronized ServerConnector connector(int i) {
        if (server == null) {
            throw new IllegalStateException("not started");
        }
        return connectors.get(i);
    }

    public ProxyConfig config() {
        return config;
    }

    /** Blocks until the proxy stops. */
    public void join() throws InterruptedException {
        Server s;
        synchronized (this) {
            s = server;
        }
        if (s != null) {
            s.join();
        }
    }

    @Override
    public synchronized void close() throws Exception {
        if (healthChecker != null) {
            healthChecker.close();
        }
        if (server != null && !server.isStopped()) {
            server.stop();
            LOG.info("Affinity stopped");
        }
    }
}
