package dev.affinity.proxy.server;

import dev.affinity.proxy.balancer.Member;
import dev.affinity.proxy.balancer.MemberConfig;
import dev.affinity.proxy.rewrite.RequestTarget;
import dev.affinity.proxy.rewrite.ResponseRewriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;

/**
 * Thread-safe. The backend leg for the common case, a request without a body or whose whole body
 * came with its head ({@link ArrivedBody}), to an http member: over {@link BackendConnection}s on the
 * client's own selector (see {@link SharedSelectorConnector}). Every other request (a body still
 * coming or over 16 KiB, {@code Expect}, {@code Upgrade}, an https member) goes through Jetty's
 * HttpClient. Both legs send the same request: the client's headers without the hop-by-hop ones and
 * those its Connection header names, then {@link ForwardingHeaders}; both connect the same way: a
 * host name resolved by the shared resolver, off the selector, then each of its addresses in turn
 * until one connects, each within the member's connect timeout.
 */
final class BackendLeg {

    /** One try of a request on this leg, as its connection sees it. */
    record Attempt(Response response, Callback callback, Exchange exchange, boolean head, long idleTimeoutMillis,
                   Consumer<Throwable> onFailure) {
    }

    /** An IPv4 address in dotted-quad form, or an IPv6 one in brackets as a URL writes it: no name lookup needed. */
    private static final Pattern IP_LITERAL = Pattern.compile(
            "((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)|\\[[0-9a-fA-F:.]*:[0-9a-fA-F:.]*]");
    /**
     * The most a request may take on this leg, head and body: the client's head at most 8 KiB
     * (HttpConfiguration) plus ours, and a body of at most {@link ArrivedBody#MAX_LENGTH}. A larger one
     * (a target whose encoding tripled it, say) goes through HttpClient.
     */
    private static final int MAX_REQUEST_BYTES = 32 * 1024;

    private final ByteBufferPool buffers;
    private final ForwardingHeaders forwarding;
    private final ResponseRewriter rewriter;
    private final BackendClients clients;
    private final Map<Member, Target> targets = new ConcurrentHashMap<>();

    /**
     * A member this leg serves, worked out once per member: where it is (an IP literal's address, or
     * a host name resolved for each new connection, as HttpClient does), its pool, and its timeouts.
     */
    private record Target(String host, int port, InetSocketAddress literal, String basePath, BackendPool pool,
                          long idleTimeoutMillis, long connectTimeoutMillis) {
    }

    private static final Target NOT_SERVED = new Target(null, 0, null, null, null, 0, 0);

    /** @param clients the HttpClient leg, whose timeouts this leg keeps */
    BackendLeg(ByteBufferPool buffers, ForwardingHeaders forwarding, ResponseRewriter rewriter, BackendClients clients) {
        this.buffers = buffers;
        this.forwarding = forwarding;
        this.rewriter = rewriter;
        this.clients = clients;
    }

    /**
     * Sends the exchange's current attempt on this leg and returns true, or returns false when the
     * request or the member needs HttpClient.
     */
    boolean send(Request request, Response response, Callback callback, Consumer<Throwable> onFailure,
                 Exchange exchange) {
        if (!(request.getConnectionMetaData().getConnector() instanceof SharedSelectorConnector connector)
                || !(request.getConnectionMetaData().getConnection().getEndPoint() instanceof SelectorEndPoint client)) {
            return false;
        }
        String method = request.getMethod();
        boolean head = HttpMethod.HEAD.is(method);
        byte[] body = exchange.arrived.whole() ? exchange.arrived.bytes() : null;
        // Any method, with no body or with its whole body here.
        if (body == null && hasBody(request)) {
            return false;
        }
        HttpFields clientHeaders = request.getHeaders();
        if (Fields.hasEither(clientHeaders, HttpHeader.EXPECT, HttpHeader.UPGRADE)) {
            return false;
        }
        Target target = targets.computeIfAbsent(exchange.member, this::target);
        if (target == NOT_SERVED) {
            return false;
        }
        String requestTarget = exchange.targetAfter(target.basePath());
        MemberRequest memberRequest = memberRequest(request, method, requestTarget, exchange, body);
        if (memberRequest == null) {
            return false;
        }
        Attempt attempt = new Attempt(response, callback, exchange, head, target.idleTimeoutMillis(), onFailure);
        BackendPool pool = target.pool();
        BackendPool.Slot slot = pool.slot(client.selector());
        BackendConnection idle = exchange.freshConnection ? null : slot.acquire();
        if (idle != null) {
            idle.send(attempt, memberRequest);
            return true;
        }
        if (!pool.reserve()) {
            return false;
        }
        new MemberConnect(connector, client.selector(), target, slot, attempt, memberRequest).start();
        return true;
    }

    /** Whether this leg serves the member: package-private for the test of what it covers. */
    boolean serves(Member member) {
        return targets.computeIfAbsent(member, this::target) != NOT_SERVED;
    }

    private Target target(Member member) {
        MemberConfig config = member.config();
        String host = config.url().getHost();
        if (!"http".equals(config.url().getScheme()) || host == null) {
            return NOT_SERVED;
        }
        InetSocketAddress literal = null;
        if (IP_LITERAL.matcher(host).matches()) {
            try {
                // An IP literal: no name lookup happens here.
                literal = new InetSocketAddress(InetAddress.getByName(host), config.port());
            } catch (UnknownHostException e) {
                return NOT_SERVED;
            }
        }
        // Written as is on the request line: a base path with characters a URI may hold but a request
        // line may not (non-ASCII) is encoded, once.
        return new Target(host, config.port(), literal, RequestTarget.canonical(member.basePath()),
                new BackendPool(BackendClients.ttl(config), clients.scheduler()),
                clients.timeout(config).toMillis(), clients.connectTimeout(config).toMillis());
    }

    /**
     * Opens a new connection for an attempt: resolves the member's host name unless it is an IP
     * literal, then tries each address in turn, as HttpClient does, until one connects; the first
     * connection that opens carries the attempt. Thread-safe: outcomes arrive on pool threads (the
     * resolver's answer, an opened connection), the scheduler's (timeouts) or the submitting thread
     * (a connect that fails at once), one address at a time.
     */
    private final class MemberConnect {
        private final SharedSelectorConnector connector;
        private final BatchingSelector selector;
        private final Target target;
        private final BackendPool.Slot slot;
        private final Attempt attempt;
        private final MemberRequest request;
        /** Set by whichever comes first: a connection opened, or the last address failed. */
        private final AtomicBoolean settled = new AtomicBoolean();
        /** Written before the first connect, read by the threads that report each outcome. */
        private volatile List<InetSocketAddress> addresses;

        MemberConnect(SharedSelectorConnector connector, BatchingSelector selector, Target target, BackendPool.Slot slot,
                      Attempt attempt, MemberRequest request) {
            this.connector = connector;
            this.selector = selector;
            this.target = target;
            this.slot = slot;
            this.attempt = attempt;
            this.request = request;
        }

        void start() {
            if (target.literal() != null) {
                resolved(List.of(target.literal()));
                return;
            }
            try {
                clients.resolver().resolve(target.host(), target.port(), Map.of(), Promise.from(this::resolved, this::fail));
            } catch (Throwable x) {
                // A stopping thread pool refuses the lookup: the attempt fails, it does not hang.
                fail(x);
            }
        }

        private void resolved(List<InetSocketAddress> resolved) {
            addresses = List.copyOf(resolved);
            // No address to try is no connection, as a name that does not resolve.
            if (addresses.isEmpty()) {
                fail(new UnknownHostException(target.host()));
                return;
            }
            connectTo(0);
        }

        private void connectTo(int index) {
            connector.connect(addresses.get(index), selector, target.connectTimeoutMillis(), new AddressConnect(index));
        }

        private void fail(Throwable failure) {
            if (settled.compareAndSet(false, true)) {
                target.pool().unreserve();
                attempt.onFailure().accept(failure);
            }
        }

        /**
         * One address's connect. Jetty may report a failure after it reported the connection opened
         * (a connection that fails while it opens): the first outcome counts.
         */
        private final class AddressConnect implements SharedSelectorConnector.BackendConnect {
            private final int index;
            private final AtomicBoolean done = new AtomicBoolean();

            AddressConnect(int index) {
                this.index = index;
            }

            @Override
            public Connection newConnection(SelectorEndPoint endPoint) {
                // The member's timeout, once: every exchange on this connection is with this member.
                endPoint.setIdleTimeout(target.idleTimeoutMillis());
                return new BackendConnection(endPoint, slot, buffers, rewriter);
            }

            @Override
            public void opened(Connection connection) {
                if (!done.compareAndSet(false, true) || !settled.compareAndSet(false, true)) {
                    return;
                }
                // Jetty opens connections on a pool thread. The request goes out from the connection's
                // selector instead, as on a pooled connection: written from here, its answer could be
                // parsed on the selector before this write's completion counted, and the connection
                // would miss the pool when the client's next request (pipelined, say) looks for one.
                selector.submit(ignored -> {
                    selector.sendHeld(); // and this request at once: the keys are done
                    try {
                        ((BackendConnection) connection).send(attempt, request);
                    } catch (Throwable x) {
                        // The connection's close ends the exchange it holds, and counts the connection off.
                        connection.getEndPoint().close(x);
                    }
                });
            }

            @Override
            public void failed(Throwable failure) {
                if (!done.compareAndSet(false, true) || settled.get()) {
                    return;
                }
                // A stopping proxy's selectors take no more connects: the attempt fails with this one.
                if (index + 1 < addresses.size() && connector.isRunning()) {
                    connectTo(index + 1);
                } else {
                    fail(failure);
                }
            }
        }
    }

    /** As Jetty's ProxyHandler decides whether a request has a body to forward. */
    private static boolean hasBody(Request request) {
        if (request.getLength() > 0) {
            return true;
        }
        HttpFields headers = request.getHeaders();
        return Fields.hasEither(headers, HttpHeader.CONTENT_TYPE, HttpHeader.TRANSFER_ENCODING);
    }

    /**
     * The request line and headers, as HttpClient would send them for this request, then the body if
     * there is one, with its length as the proxy counted it; null if they take more than
     * {@link #MAX_REQUEST_BYTES}.
     */
    private MemberRequest memberRequest(Request request, String method, String requestTarget, Exchange exchange,
                                        byte[] body) {
        HttpFields clientHeaders = request.getHeaders();
        Set<String> named = HopByHop.named(clientHeaders);
        HttpFields.Mutable headers = HttpFields.build(clientHeaders.size() + 4);
        for (HttpField field : clientHeaders) {
            if (HopByHop.HEADERS.contains(field.getHeader())
                    || named != null && named.contains(field.getLowerCaseName())
                    || body != null && field.getHeader() == HttpHeader.CONTENT_LENGTH) {
                continue;
            }
            headers.add(field);
        }
        if (body != null) {
            // Ours, always: a client whose Connection header names Content-Length must not get a body
            // without a length onto a shared connection, where the member would read it as requests.
            headers.add(HttpHeader.CONTENT_LENGTH, body.length);
        } else if ((HttpMethod.POST.is(method) || HttpMethod.PUT.is(method))
                && !Fields.has(headers, HttpHeader.CONTENT_LENGTH)) {
            // As HttpClient (Jetty's HttpGenerator) sends a POST or PUT without a body: some servers
            // refuse one with no length (411).
            headers.add(HttpHeader.CONTENT_LENGTH, 0);
        }
        forwarding.apply(request, exchange, headers);
        MemberRequest memberRequest = MemberRequest.of(method, requestTarget, headers, body);
        return memberRequest.length() > MAX_REQUEST_BYTES ? null : memberRequest;
    }
}
