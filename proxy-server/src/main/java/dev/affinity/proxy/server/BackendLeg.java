package dev.affinity.proxy.server;

import dev.affinity.proxy.balancer.Member;
import dev.affinity.proxy.balancer.MemberConfig;
import dev.affinity.proxy.rewrite.ResponseRewriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpGenerator;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

/**
 * Thread-safe. The backend leg for the common case, a GET or HEAD without a body to a member given by
 * IP address: over {@link BackendConnection}s on the client's own selector (see
 * {@link SharedSelectorConnector}). Every other request (a body, {@code Expect}, {@code Upgrade}, a
 * member named by host name or with a connect timeout of its own) goes through Jetty's HttpClient.
 * Both legs send the same request: the client's headers without the hop-by-hop ones and those its
 * Connection header names, then {@link ForwardingHeaders}.
 */
final class BackendLeg {

    /** One try of a request on this leg, as its connection sees it. */
    record Attempt(Response response, Callback callback, Exchange exchange, boolean head, long idleTimeoutMillis,
                   Consumer<Throwable> onFailure) {
    }

    /** An IPv4 address in dotted-quad form, or an IPv6 one in brackets as a URL writes it: no name lookup needed. */
    private static final Pattern IP_LITERAL = Pattern.compile(
            "((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)|\\[[0-9a-fA-F:.]*:[0-9a-fA-F:.]*]");
    private static final byte[] HTTP_1_1 = " HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII);
    /** Room for the request line and headers: the client's are at most 8 KiB (HttpConfiguration), plus ours. */
    private static final int HEAD_BUFFER_SIZE = 32 * 1024;

    private final ByteBufferPool buffers;
    private final ForwardingHeaders forwarding;
    private final ResponseRewriter rewriter;
    private final BackendClients clients;
    private final Map<Member, Target> targets = new ConcurrentHashMap<>();

    /**
     * A member this leg serves: its address, resolved once (it is an IP literal), its pool, and its
     * timeout, worked out once per member.
     */
    private record Target(InetSocketAddress address, BackendPool pool, long idleTimeoutMillis) {
    }

    private static final Target NOT_SERVED = new Target(null, null, 0);

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
        if (!head && !HttpMethod.GET.is(method) || hasBody(request)) {
            return false;
        }
        HttpFields clientHeaders = request.getHeaders();
        if (clientHeaders.contains(HttpHeader.EXPECT) || clientHeaders.contains(HttpHeader.UPGRADE)) {
            return false;
        }
        Target target = targets.computeIfAbsent(exchange.member, this::target);
        if (target == NOT_SERVED) {
            return false;
        }
        String requestTarget = exchange.requestTarget();
        if (!plainTarget(requestTarget)) {
            return false;
        }
        RetainableByteBuffer requestHead = requestHead(request, method, requestTarget, exchange);
        if (requestHead == null) {
            return false;
        }
        Attempt attempt = new Attempt(response, callback, exchange, head, target.idleTimeoutMillis(), onFailure);
        BackendPool pool = target.pool();
        BackendPool.Slot slot = pool.slot(client.selector());
        BackendConnection idle = slot.acquire();
        if (idle != null) {
            idle.send(attempt, requestHead);
            return true;
        }
        if (!pool.reserve()) {
            requestHead.release();
            return false;
        }
        connector.connect(target.address(), client.selector(), new SharedSelectorConnector.BackendConnect() {
            /** Jetty may report a failure after opened() (if opened() throws): the first outcome counts. */
            private final AtomicBoolean settled = new AtomicBoolean();

            @Override
            public Connection newConnection(SelectorEndPoint endPoint) {
                return new BackendConnection(endPoint, slot, buffers, rewriter);
            }

            @Override
            public void opened(Connection connection) {
                if (!settled.compareAndSet(false, true)) {
                    return;
                }
                try {
                    ((BackendConnection) connection).send(attempt, requestHead);
                } catch (Throwable x) {
                    // The connection's close ends the exchange it holds, and counts the connection off.
                    connection.getEndPoint().close(x);
                }
            }

            @Override
            public void failed(Throwable failure) {
                if (!settled.compareAndSet(false, true)) {
                    return;
                }
                pool.unreserve();
                requestHead.release();
                onFailure.accept(failure);
            }
        });
        return true;
    }

    private Target target(Member member) {
        MemberConfig config = member.config();
        String host = config.url().getHost();
        // The shared selectors time connects out after the proxy-wide connect timeout only.
        boolean sameConnectTimeout = clients.connectTimeout(config).equals(clients.defaultConnectTimeout());
        if (!"http".equals(config.url().getScheme()) || host == null || !IP_LITERAL.matcher(host).matches()
                || !sameConnectTimeout) {
            return NOT_SERVED;
        }
        try {
            // An IP literal: no name lookup happens here.
            InetAddress address = InetAddress.getByName(host);
            return new Target(new InetSocketAddress(address, config.port()), new BackendPool(),
                    clients.timeout(config).toMillis());
        } catch (UnknownHostException e) {
            return NOT_SERVED;
        }
    }

    /** As Jetty's ProxyHandler decides whether a request has a body to forward. */
    private static boolean hasBody(Request request) {
        if (request.getLength() > 0) {
            return true;
        }
        HttpFields headers = request.getHeaders();
        return headers.contains(HttpHeader.CONTENT_TYPE) || headers.contains(HttpHeader.TRANSFER_ENCODING);
    }

    /**
     * Whether the path and query are plain URI characters (RFC 3986), as java.net.URI takes them: the
     * rest goes through HttpClient, which parses the URL with it.
     */
    private static boolean plainTarget(String target) {
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c <= ' ' || c >= 0x7f || "\"<>\\^`{|}".indexOf(c) >= 0) {
                return false;
            }
        }
        return true;
    }

    /** The request line and headers, as HttpClient would send them for this request; null if they do not fit. */
    private RetainableByteBuffer requestHead(Request request, String method, String requestTarget, Exchange exchange) {
        HttpFields clientHeaders = request.getHeaders();
        Set<String> named = HopByHop.named(clientHeaders);
        HttpFields.Mutable headers = HttpFields.build(clientHeaders.size() + 4);
        for (HttpField field : clientHeaders) {
            if (HopByHop.HEADERS.contains(field.getHeader())
                    || named != null && named.contains(field.getLowerCaseName())) {
                continue;
            }
            headers.add(field);
        }
        forwarding.apply(request, exchange.via, exchange.member.hostHeader(), exchange.member.draining(), headers);
        RetainableByteBuffer head = buffers.acquire(HEAD_BUFFER_SIZE, true);
        ByteBuffer buffer = head.getByteBuffer();
        BufferUtil.clearToFill(buffer);
        try {
            buffer.put(method.getBytes(StandardCharsets.US_ASCII)).put((byte) ' ');
            buffer.put(requestTarget.getBytes(StandardCharsets.US_ASCII)).put(HTTP_1_1);
            // Writes the headers and the empty line that ends them.
            HttpGenerator.putTo(headers, buffer);
        } catch (BufferOverflowException e) {
            // Cannot happen within the server's request header limit; HttpClient copes if it ever does.
            head.release();
            return null;
        }
        BufferUtil.flipToFlush(buffer, 0);
        return head;
    }
}
