package dev.affinity.proxy.server;

import dev.affinity.proxy.balancer.HealthCheck;
import dev.affinity.proxy.balancer.Member;
import dev.affinity.proxy.balancer.HealthExpression;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.channels.CompletionHandler;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.BufferingResponseListener;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thread-safe. mod_proxy_hcheck for the members that have an {@code hcmethod}: each is checked every
 * hcinterval, by a TCP connect or an HTTP request to its URL plus hcuri, and its next check is
 * scheduled only when the current one has finished, so one member never has two checks at a time.
 * Nothing here runs on, or waits in, a request's thread.
 */
final class HealthChecker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HealthChecker.class);

    /** A health page larger than this fails its check rather than fill the proxy's memory. */
    private static final int MAX_BODY_BYTES = 1 << 20;

    private final List<Member> members;
    private final BackendClients clients;
    private final Scheduler scheduler;
    private final Map<String, HealthExpression> expressions;
    private volatile boolean closed;

    HealthChecker(List<Member> members, BackendClients clients, Scheduler scheduler,
                  Map<String, HealthExpression> expressions) {
        this.members = members.stream().filter(m -> m.config().healthCheck()
                .filter(h -> h.method() != HealthCheck.Method.NONE).isPresent()).toList();
        this.clients = clients;
        this.scheduler = scheduler;
        this.expressions = expressions;
    }

    void start() {
        for (Member m : members) {
            HealthCheck check = m.config().healthCheck().orElseThrow();
            LOG.info("{}: health check {} {} every {}s (hcfails={}, hcpasses={})", m, check.method(),
                    check.method() == HealthCheck.Method.TCP ? "" : check.uri().isEmpty() ? "/" : check.uri(),
                    check.interval().toSeconds(), check.fails(), check.passes());
            check(m);
        }
    }

    private void check(Member member) {
        if (closed) {
            return;
        }
        HealthCheck check = member.config().healthCheck().orElseThrow();
        Duration timeout = clients.timeout(member.config());
        timeout = timeout.compareTo(check.interval()) < 0 ? timeout : check.interval();
        Runnable next = () -> scheduler.schedule(() -> check(member), check.interval().toMillis(), TimeUnit.MILLISECONDS);
        if (check.method() == HealthCheck.Method.TCP) {
            connect(member, timeout, next);
        } else {
            request(member, check, timeout, next);
        }
    }

    private void request(Member member, HealthCheck check, Duration timeout, Runnable next) {
        HttpClient client = clients.forMember(member.config());
        String url = member.urlPrefix() + (check.uri().isEmpty() ? "/" : check.uri());
        Optional<HealthExpression> expression = check.expr().map(expressions::get);
        boolean readBody = expression.filter(HealthExpression::readsBody).isPresent();
        String what = check.method() + " " + url;
        try {
            // Both limits, as for a proxied request: without its own idle timeout the request would
            // keep the client's, which is the member's ttl, meant for connections idle in the pool.
            Request request = client.newRequest(url).method(check.method().name())
                    .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .idleTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (readBody) {
                request.send(new BufferingResponseListener(MAX_BODY_BYTES) {
                    @Override
                    public void onComplete(Result result) {
                        judge(member, expression, what, result, getContentAsString(StandardCharsets.UTF_8));
                        next.run();
                    }
                });
            } else {
                request.send(result -> {
                    judge(member, expression, what, result, "");
                    next.run();
                });
            }
        } catch (RuntimeException e) {
            member.healthCheckResult(false, "cannot send " + what + ": " + e.getMessage());
            next.run();
        }
    }

    /** Without an hcexpr, as in httpd, a 2xx or 3xx status passes. */
    private static void judge(Member member, Optional<HealthExpression> expression, String what, Result result, String body) {
        if (result.isFailed()) {
            member.healthCheckResult(false, what + " failed: " + AttemptFailure.describe(result.getFailure()));
            return;
        }
        int status = result.getResponse().getStatus();
        boolean passed = expression.map(e -> e.passes(new HealthExpression.Response(status, body == null ? "" : body)))
                .orElse(status >= 200 && status < 400);
        member.healthCheckResult(passed, what + " answered " + status
                + expression.map(e -> passed ? ", which passes " + e : ", which fails " + e).orElse(""));
    }

    private void connect(Member member, Duration timeout, Runnable next) {
        AsynchronousSocketChannel channel;
        try {
            channel = AsynchronousSocketChannel.open();
        } catch (IOException e) {
            member.healthCheckResult(false, "cannot open a socket: " + e.getMessage());
            next.run();
            return;
        }
        Scheduler.Task expiry = scheduler.schedule(() -> closeQuietly(channel), timeout.toMillis(), TimeUnit.MILLISECONDS);
        InetSocketAddress address = new InetSocketAddress(member.config().url().getHost(), member.config().port());
        channel.connect(address, null, new CompletionHandler<Void, Void>() {
            @Override
            public void completed(Void result, Void attachment) {
                expiry.cancel();
                closeQuietly(channel);
                member.healthCheckResult(true, "TCP connect to " + address + " succeeded");
                next.run();
            }

            @Override
            public void failed(Throwable failure, Void attachment) {
                expiry.cancel();
                closeQuietly(channel);
                member.healthCheckResult(false, "TCP connect to " + address + " failed: " + AttemptFailure.describe(failure));
                next.run();
            }
        });
    }

    private static void closeQuietly(AsynchronousSocketChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // closing a socket that failed to connect has nothing to report
        }
    }

    @Override
    public void close() {
        closed = true;
    }
}
