package dev.affinity.proxy.server;

import dev.affinity.proxy.balancer.MemberConfig;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.ContinueProtocolHandler;
import org.eclipse.jetty.client.EarlyHintsProtocolHandler;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.ProcessingProtocolHandler;
import org.eclipse.jetty.client.ProtocolHandler;
import org.eclipse.jetty.client.ProtocolHandlers;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.SocketAddressResolver;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * The HTTP/1.1 clients that talk to members for what {@link BackendLeg} leaves to them (requests with
 * a body, {@code Expect} or {@code Upgrade}, https members) and for health checks, and the rules both
 * legs share: each member's timeouts and ttl, and how a member's host name is resolved. Jetty sets the
 * connect timeout and the pooled connections' idle timeout per client, so members with their own
 * {@code connectiontimeout} or {@code ttl} get a client of their own; all share one thread pool,
 * scheduler and resolver. Every client is a proxy's client: it
 * never follows redirects, keeps no cookies (cookies of different clients would mix), decodes no
 * bodies, and adds no User-Agent and no Content-Type.
 *
 * <p>Not thread-safe while starting; read-only afterwards.
 */
final class BackendClients {

    /**
     * A member's ttl unless it sets one: pooled connections idle this long are closed by us first.
     * httpd has none (it keeps them until the backend closes them); 15 s is shorter than Tomcat's
     * (20 s) and Jetty's (30 s) keep-alive, so a request rarely meets a connection the backend is closing.
     */
    static final Duration DEFAULT_TTL = Duration.ofSeconds(15);

    /**
     * How much of a backend's response one read takes: 64 KiB (Jetty's default is 16 KiB), the largest
     * size Jetty's default buffer pool still pools. Fewer, larger reads and writes per body: measured
     * on a 64 KiB body, 73 -> 42 us CPU per request; the same on small bodies.
     */
    static final int RESPONSE_BUFFER_SIZE = 65536;

    /** How long a member's host name may take to resolve: HttpClient's default. */
    static final Duration ADDRESS_RESOLUTION_TIMEOUT = Duration.ofSeconds(15);

    private final Executor executor;
    private final Scheduler scheduler;
    private final int selectors;
    private final Duration proxyTimeout;
    private final Collection<MemberConfig> members;
    private final SocketAddressResolver resolver;
    private final Map<ClientKey, HttpClient> byKey = new HashMap<>();
    private HttpClient primary;

    /** @param selectors selector threads per client, which also parse and forward the responses */
    BackendClients(Executor executor, Scheduler scheduler, int selectors, Duration proxyTimeout,
                   Collection<MemberConfig> members) {
        // Off the selector threads, as HttpClient resolves by default: a lookup may block.
        this(executor, scheduler, selectors, proxyTimeout, members,
                new SocketAddressResolver.Async(executor, scheduler, ADDRESS_RESOLUTION_TIMEOUT.toMillis()));
    }

    /** @param resolver looks members' host names up; tests script it */
    BackendClients(Executor executor, Scheduler scheduler, int selectors, Duration proxyTimeout,
                   Collection<MemberConfig> members, SocketAddressResolver resolver) {
        this.executor = executor;
        this.scheduler = scheduler;
        this.selectors = selectors;
        this.proxyTimeout = proxyTimeout;
        this.members = List.copyOf(members);
        this.resolver = unknownWhenSlow(resolver);
    }

    /**
     * A lookup that timed out is a name that did not resolve, so a connect failure (the member goes
     * into error, the request may go to another member), not the backend's timeout (504, no
     * failover): no request reached any backend.
     */
    private static SocketAddressResolver unknownWhenSlow(SocketAddressResolver resolver) {
        return (host, port, context, promise) -> resolver.resolve(host, port, context, Promise.from(promise::succeeded,
                failure -> {
                    if (failure instanceof TimeoutException) {
                        UnknownHostException unknown = new UnknownHostException(host + ": no answer from the resolver in time");
                        unknown.initCause(failure);
                        promise.failed(unknown);
                    } else {
                        promise.failed(failure);
                    }
                }));
    }

    /** What sets one HttpClient apart from another. */
    private record ClientKey(Duration connectTimeout, Duration ttl) {

        static ClientKey of(MemberConfig member, Duration proxyTimeout) {
            return new ClientKey(BackendClients.connectTimeout(member, proxyTimeout), BackendClients.ttl(member));
        }
    }

    /** The clients the members need, one per distinct connect timeout and ttl: the primary one's first. */
    private static Set<ClientKey> keys(Collection<MemberConfig> members, Duration proxyTimeout) {
        Set<ClientKey> keys = new LinkedHashSet<>();
        keys.add(new ClientKey(proxyTimeout, DEFAULT_TTL));
        for (MemberConfig m : members) {
            keys.add(ClientKey.of(m, proxyTimeout));
        }
        return keys;
    }

    /** How many clients the members need. */
    static int clientCount(Collection<MemberConfig> members, Duration proxyTimeout) {
        return keys(members, proxyTimeout).size();
    }

    /** The timers both legs use. */
    Scheduler scheduler() {
        return scheduler;
    }

    /** Resolves members' host names for both legs; the JDK caches the answers (networkaddress.cache.ttl). */
    SocketAddressResolver resolver() {
        return resolver;
    }

    Duration defaultConnectTimeout() {
        return proxyTimeout;
    }

    /** httpd: a member's timeout, how long it may stay silent during an exchange, defaults to ProxyTimeout. */
    Duration timeout(MemberConfig member) {
        return member.timeout().orElse(proxyTimeout);
    }

    /** httpd: connectiontimeout defaults to the member's timeout, which defaults to ProxyTimeout. */
    Duration connectTimeout(MemberConfig member) {
        return connectTimeout(member, proxyTimeout);
    }

    private static Duration connectTimeout(MemberConfig member, Duration proxyTimeout) {
        return member.connectionTimeout().orElse(member.timeout().orElse(proxyTimeout));
    }

    /** httpd: how long a connection to the member may stay idle in the pool. */
    static Duration ttl(MemberConfig member) {
        return member.ttl().orElse(DEFAULT_TTL);
    }

    HttpClient newClient(Duration connectTimeout) {
        ClientConnector connector = new ClientConnector();
        connector.setExecutor(executor);
        connector.setScheduler(scheduler);
        connector.setSelectors(selectors);
        connector.setConnectTimeout(connectTimeout);
        HttpClientTransportOverHTTP transport = new HttpClientTransportOverHTTP(connector);
        // The proxy's response listeners never block: parse and forward on the selector thread.
        transport.setInvocationType(Invocable.InvocationType.NON_BLOCKING);
        // No header cache per connection, as on the clients' side (AffinityProxy): memory for each one.
        transport.setHeaderCacheSize(0);
        HttpClient client = new HttpClient(transport);
        client.setExecutor(executor);
        client.setScheduler(scheduler);
        return client;
    }

    /** The primary client: the default ttl. */
    void configure(HttpClient client) {
        configure(client, DEFAULT_TTL);
    }

    private void configure(HttpClient client, Duration ttl) {
        client.setFollowRedirects(false);
        client.setHttpCookieStore(new HttpCookieStore.Empty());
        client.setUserAgentField(null);
        // A body goes with the client's Content-Type, or with none: HttpClient's default would give a body
        // the client sent without one "application/octet-stream", which the app then reads as said.
        client.setDefaultRequestContentType(null);
        client.setSocketAddressResolver(resolver);
        // While idle in the pool (and while a new connection's TLS handshake is silent); during an
        // exchange the request's own idle timeout, the member's timeout, holds: every request sets it.
        client.setIdleTimeout(ttl.toMillis());
        client.setMaxConnectionsPerDestination(1024);
        client.setMaxRequestsQueuedPerDestination(65536);
        client.setResponseBufferSize(RESPONSE_BUFFER_SIZE);
    }

    /**
     * Starts a client for each other connect timeout and ttl the members ask for, with the primary
     * client's 100-continue, 102 and 103 handling.
     */
    List<HttpClient> startPerMemberClients(HttpClient started) throws Exception {
        this.primary = started;
        List<HttpClient> extra = new ArrayList<>();
        Iterator<ClientKey> keys = keys(members, proxyTimeout).iterator();
        byKey.put(keys.next(), started);
        while (keys.hasNext()) {
            ClientKey key = keys.next();
            HttpClient client = newClient(key.connectTimeout());
            configure(client, key.ttl());
            client.start();
            client.getContentDecoderFactories().clear();
            copyProtocolHandlers(started.getProtocolHandlers(), client.getProtocolHandlers());
            byKey.put(key, client);
            extra.add(client);
        }
        return extra;
    }

    private static void copyProtocolHandlers(ProtocolHandlers from, ProtocolHandlers to) {
        to.clear();
        for (String name : List.of(ContinueProtocolHandler.NAME, ProcessingProtocolHandler.NAME,
                EarlyHintsProtocolHandler.NAME)) {
            // ProtocolHandlers can only be read by removing; put each straight back.
            ProtocolHandler handler = from.remove(name);
            if (handler != null) {
                from.put(handler);
                to.put(handler);
            }
        }
    }

    HttpClient forMember(MemberConfig member) {
        HttpClient client = byKey.get(ClientKey.of(member, proxyTimeout));
        return client != null ? client : primary;
    }
}
