package dev.affinity.proxy.server;

import dev.affinity.proxy.balancer.Member;
import dev.affinity.proxy.balancer.MemberConfig;
import dev.affinity.proxy.balancer.Selection;
import dev.affinity.proxy.config.ProxyConfig;
import dev.affinity.proxy.rewrite.ProxyPass;
import dev.affinity.proxy.rewrite.ProxyPassTable;
import dev.affinity.proxy.rewrite.RequestTarget;
import dev.affinity.proxy.rewrite.ResponseRewriter;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.proxy.ProxyHandler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.URIUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Translates between Jetty and the balancing and rewriting model: maps the path with the ProxyPass
 * table, asks the balancer for a member, sends the request there (a GET or HEAD, or a request whose
 * small body came with its head, over {@link BackendLeg}; anything else through Jetty's ProxyHandler
 * and HttpClient), passes the response headers through the rewriter, and on a failed attempt decides
 * between another member and an error status.
 *
 * <p>Each status has one meaning: 503 no usable member (including none that would accept a
 * connection), 502 the backend failed after the request reached it, 504 the backend timed out.
 */
final class BalancingProxyHandler extends ProxyHandler {

    private static final Logger LOG = LoggerFactory.getLogger(BalancingProxyHandler.class);
    private static final String EXCHANGE = Exchange.class.getName();

    private final ProxyConfig config;
    private final ProxyPassTable table;
    private final Backends backends;
    private final ResponseRewriter rewriter;
    private final ForwardingHeaders forwarding;
    private final BackendClients clients;
    private final ClientOrigins origins;
    private final BackendLeg leg;

    BalancingProxyHandler(ProxyConfig config, Backends backends, BackendClients clients, ForwardingHeaders forwarding,
                          ClientOrigins origins, ByteBufferPool buffers) {
        this.config = config;
        this.table = new ProxyPassTable(config.proxyPass());
        this.backends = backends;
        this.rewriter = new ResponseRewriter(config.reverse(), config.cookieDomains(), config.cookiePaths());
        this.forwarding = forwarding;
        this.clients = clients;
        this.origins = origins;
        this.leg = new BackendLeg(buffers, forwarding, rewriter, clients);
    }

    /** Jetty's ProxyHandler builds its client through these, then adds its 100-continue handling. */
    @Override
    protected HttpClient newHttpClient() {
        return clients.newClient(clients.defaultConnectTimeout());
    }

    @Override
    protected void configureHttpClient(HttpClient httpClient) {
        clients.configure(httpClient);
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        for (HttpClient extra : clients.startPerMemberClients(getHttpClient())) {
            addBean(extra, true);
        }
    }

    /**
     * Nothing here blocks (the balancer's locks are held for a few instructions, the backend leg is
     * asynchronous), so Jetty may run requests on its selector threads instead of handing each one to
     * a pool thread.
     */
    @Override
    public InvocationType getInvocationType() {
        return InvocationType.NON_BLOCKING;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        if ("CONNECT".equals(request.getMethod())) {
            Response.writeError(request, response, callback, HttpStatus.METHOD_NOT_ALLOWED_405,
                    "CONNECT is refused: Affinity is a reverse proxy, never a forward proxy");
            return true;
        }
        if (!config.traceEnabled() && HttpMethod.TRACE.is(request.getMethod())) {
            // httpd's TraceEnable Off: every TRACE, proxied or not, whatever its Max-Forwards.
            Response.writeError(request, response, callback, HttpStatus.METHOD_NOT_ALLOWED_405,
                    "TRACE is not allowed (TraceEnable Off)");
            return true;
        }
        HttpURI uri = request.getHttpURI();
        String sentPath = uri.getPath();
        String query = uri.getQuery();
        // The path first: it is "*" far more rarely than the method is OPTIONS.
        if ("*".equals(sentPath) && HttpMethod.OPTIONS.is(request.getMethod())) {
            ProxyOptions.answer(response, callback);
            return true;
        }
        if (RequestTarget.hasUnreadableBytes(sentPath) || RequestTarget.hasUnreadableBytes(query)) {
            Response.writeError(request, response, callback, HttpStatus.BAD_REQUEST_400,
                    "the request target holds bytes that are not UTF-8: send them percent-encoded");
            return true;
        }
        // One form of the path for the rules and the member: two spellings of it must map alike.
        String path = mergeSlashes(URIUtil.normalizePath(RequestTarget.canonicalPath(sentPath)));
        if (path == null) {
            Response.writeError(request, response, callback, HttpStatus.BAD_REQUEST_400, "path escapes the root");
            return true;
        }
        Optional<ProxyPass.Outcome> outcome = table.map(path, query);
        if (outcome.isEmpty() || !(outcome.get() instanceof ProxyPass.Mapped mapped)) {
            return false;
        }
        long hops = MaxForwards.of(request.getHeaders());
        if (MaxForwards.stopsHere(hops)) {
            MaxForwards.answer(hops, request, response, callback);
            return true;
        }
        Backends.Target t = backends.resolve(mapped);
        List<String> cookies = Fields.values(request.getHeaders(), HttpHeader.COOKIE);
        Exchange exchange = new Exchange(t.balancer(), t.pathAndQuery(),
                t.balancer().routeOf(t.pathAndQuery(), cookies), () -> origins.of(request), ArrivedBody.take(request));
        exchange.via = forwarding.via(request, exchange);
        exchange.maxForwards = MaxForwards.forwarded(hops);
        forward(request, response, callback, exchange);
        return true;
    }

    /**
     * Chooses a member and sends the request there. With none usable: 503, or, when an attempt failed
     * after the request reached its member and no other is left to try, what that failure means.
     */
    private void forward(Request request, Response response, Callback callback, Exchange exchange) {
        Selection selection = exchange.balancer.select(exchange.route, exchange.tried());
        if (selection.member().isEmpty()) {
            if (!retryStale(request, response, callback, exchange)
                    && !waitForMember(request, response, callback, exchange)) {
                // A GET the only member broke is the member's failure (502, as httpd answers), not a
                // lack of members.
                AttemptFailure answer = exchange.answerFor(AttemptFailure.noMember());
                // The balancer's reason names it, and a ProxyPass's balancer is named after its member's
                // URL: it goes to the log, never to the client, as httpd's generic 503 page.
                LOG.debug("{} for {}: {} ({})", answer.status(), request.getHttpURI(), answer.why(), selection.why());
                Response.writeError(request, response, callback, answer.status(), answer.why());
            }
            return;
        }
        exchange.startAttempt(selection.member().get(), selection.sticky());
        send(request, response, callback, exchange);
    }

    /** Sends the exchange's current attempt: on the backend leg, or else through HttpClient. */
    private void send(Request request, Response response, Callback callback, Exchange exchange) {
        // A failure may be reported on the scheduler's one thread (a timeout): decide and fail over on the pool.
        if (!leg.send(request, response, callback, failure -> request.getContext().execute(
                () -> attemptFailed(request, response, callback, exchange, failure)), exchange)) {
            // Jetty's ProxyHandler hands this class only the request: the exchange travels as its attribute.
            request.setAttribute(EXCHANGE, exchange);
            super.handle(request, response, callback);
        }
    }

    /**
     * httpd's balancer {@code timeout}: with no usable member, look again every so often until the
     * timeout has passed, without holding a thread.
     */
    private boolean waitForMember(Request request, Response response, Callback callback, Exchange exchange) {
        Duration timeout = exchange.balancer.config().timeout();
        if (timeout.isZero() || exchange.tried().size() >= exchange.balancer.members().size()) {
            // Nothing to wait for: this request already failed on every member.
            return false;
        }
        long now = System.nanoTime();
        if (exchange.waitDeadlineNanos == 0) {
            exchange.waitDeadlineNanos = now + timeout.toNanos();
        }
        if (now - exchange.waitDeadlineNanos >= 0) {
            return false;
        }
        long pause = Math.max(10, Math.min(100, timeout.toMillis() / 10));
        // The scheduler only wakes us; the work goes back to the pool, off the scheduler's one thread.
        getServer().getScheduler().schedule(() -> request.getContext().execute(
                () -> forward(request, response, callback, exchange)), pause, TimeUnit.MILLISECONDS);
        return true;
    }

    @Override
    protected HttpURI rewriteHttpURI(Request clientToProxyRequest) {
        return HttpURI.from(exchange(clientToProxyRequest).backendUrl());
    }

    @Override
    protected org.eclipse.jetty.client.Request newProxyToServerRequest(Request clientToProxyRequest, HttpURI newHttpURI) {
        Exchange exchange = exchange(clientToProxyRequest);
        MemberConfig member = exchange.member.config();
        HttpClient client = clients.forMember(member);
        return client.newRequest(newHttpURI.toURI())
                .method(clientToProxyRequest.getMethod())
                .idleTimeout(clients.timeout(member).toMillis(), TimeUnit.MILLISECONDS)
                .onRequestBegin(r -> exchange.begun = true);
    }

    @Override
    protected void copyRequestHeaders(Request clientToProxyRequest, org.eclipse.jetty.client.Request proxyToServerRequest) {
        super.copyRequestHeaders(clientToProxyRequest, proxyToServerRequest);
        Exchange exchange = exchange(clientToProxyRequest);
        proxyToServerRequest.headers(headers -> forwarding.apply(clientToProxyRequest, exchange, headers));
    }

    @Override
    protected void addProxyHeaders(Request clientToProxyRequest, org.eclipse.jetty.client.Request proxyToServerRequest) {
        // ForwardingHeaders already did what httpd does; Jetty's own Via and Forwarded are not httpd's.
    }

    @Override
    protected org.eclipse.jetty.client.Request.Content newProxyToServerRequestContent(
            Request clientToProxyRequest, Response proxyToClientResponse,
            org.eclipse.jetty.client.Request proxyToServerRequest) {
        Exchange exchange = exchange(clientToProxyRequest);
        if (exchange.arrived.whole()) {
            // All here already: HttpClient sends it from memory, and may send it again to another member.
            return new BytesRequestContent(clientToProxyRequest.getHeaders().get(HttpHeader.CONTENT_TYPE),
                    exchange.arrived.bytes());
        }
        return new CountingRequestContent(clientToProxyRequest, exchange);
    }

    @Override
    protected org.eclipse.jetty.client.Response.CompleteListener newServerToProxyResponseListener(
            Request clientToProxyRequest, org.eclipse.jetty.client.Request proxyToServerRequest,
            Response proxyToClientResponse, Callback proxyToClientCallback) {
        var jettyListener = (org.eclipse.jetty.client.Response.Listener) super.newServerToProxyResponseListener(
                clientToProxyRequest, proxyToServerRequest, proxyToClientResponse, proxyToClientCallback);
        return new RewritingResponseListener(jettyListener, proxyToClientResponse, rewriter, exchange(clientToProxyRequest));
    }

    /** A failed attempt: another member if {@link AttemptFailure} allows it, else the status it decides. */
    @Override
    protected void onServerToProxyResponseFailure(Request clientToProxyRequest,
                                                  org.eclipse.jetty.client.Request proxyToServerRequest,
                                                  org.eclipse.jetty.client.Response serverToProxyResponse,
                                                  Response proxyToClientResponse, Callback proxyToClientCallback,
                                                  Throwable failure) {
        attemptFailed(clientToProxyRequest, proxyToClientResponse, proxyToClientCallback, exchange(clientToProxyRequest),
                failure);
    }

    /** A failed attempt, on either backend leg: another member if {@link AttemptFailure} allows it, else its status. */
    private void attemptFailed(Request clientToProxyRequest, Response proxyToClientResponse, Callback proxyToClientCallback,
                               Exchange exchange, Throwable failure) {
        AttemptFailure outcome = AttemptFailure.of(exchange, clientToProxyRequest.getMethod(),
                clientToProxyRequest.getHeaders().contains("Idempotency-Key"), failure, proxyToClientResponse.isCommitted());
        Member member = exchange.member;
        if (!outcome.replayable()) {
            exchange.staleMember = null; // nothing goes again now
        } else if (failure instanceof StaleConnectionException) {
            // The member may have closed the connection as idle just as it was reused. Another member
            // takes the request as after any failure; failing that, this one again (retryStale).
            exchange.staleMember = member;
        }
        if (outcome.connectFailed()) {
            member.markInError("cannot connect: " + AttemptFailure.describe(failure));
        } else if (outcome.status() == HttpStatus.GATEWAY_TIMEOUT_504 && exchange.balancer.config().failOnTimeout()) {
            member.markInError("timed out, and failontimeout is On");
        }
        exchange.failedOn(member);
        exchange.noteFailure(outcome);
        if (outcome.mayFailOver(exchange)) {
            exchange.failovers++;
            LOG.debug("{} failed on {} ({}), trying another member", clientToProxyRequest.getHttpURI(), member,
                    AttemptFailure.describe(failure));
            forward(clientToProxyRequest, proxyToClientResponse, proxyToClientCallback, exchange);
            return;
        }
        if (retryStale(clientToProxyRequest, proxyToClientResponse, proxyToClientCallback, exchange)) {
            return;
        }
        AttemptFailure answer = exchange.answerFor(outcome);
        LOG.debug("{} for {} from {}: {}", answer.status(), clientToProxyRequest.getHttpURI(), member,
                AttemptFailure.describe(failure));
        if (proxyToClientResponse.isCommitted()) {
            // The status line is gone: abort, so the client sees a broken response, never a short one.
            proxyToClientCallback.failed(failure);
            return;
        }
        // The backend's headers may already have been copied (it failed after its status line): drop them.
        proxyToClientResponse.reset();
        Response.writeError(clientToProxyRequest, proxyToClientResponse, proxyToClientCallback, answer.status(),
                answer.why());
    }

    /**
     * With no other member to take it, a request whose pooled connection ended before any answer goes
     * once more to that connection's member, on a new connection, as nginx retries a cached upstream
     * connection's error with a single server: a member may close an idle connection just as the proxy
     * reuses it, a race that no check before the reuse closes. The new connection's failure is the member's.
     */
    private boolean retryStale(Request request, Response response, Callback callback, Exchange exchange) {
        Member stale = exchange.staleMember;
        if (stale == null) {
            return false;
        }
        // Once: the new connection's failure is never stale.
        exchange.staleMember = null;
        LOG.debug("{}: a pooled connection to {} ended before any answer; sending it again on a new connection",
                request.getHttpURI(), stale);
        exchange.startAttempt(stale, exchange.sticky);
        exchange.freshConnection = true;
        send(request, response, callback, exchange);
        return true;
    }

    /** httpd's MergeSlashes, on by default: {@code /app//x} is {@code /app/x}. */
    private static String mergeSlashes(String path) {
        if (path == null || !path.contains("//")) {
            return path;
        }
        StringBuilder merged = new StringBuilder(path.length());
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c != '/' || merged.length() == 0 || merged.charAt(merged.length() - 1) != '/') {
                merged.append(c);
            }
        }
        return merged.toString();
    }

    private static Exchange exchange(Request request) {
        return (Exchange) request.getAttribute(EXCHANGE);
    }
}
