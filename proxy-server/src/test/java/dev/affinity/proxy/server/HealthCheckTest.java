package dev.affinity.proxy.server;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.affinity.proxy.testing.Http;
import dev.affinity.proxy.testing.Proxies;
import dev.affinity.proxy.testing.TestBackend;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Active health checks take a member out and bring it back, with a backend whose health endpoint the test flips. */
class HealthCheckTest {

    private TestBackend flaky;
    private TestBackend steady;
    private AffinityProxy proxy;

    @AfterEach
    void stop() throws Exception {
        proxy.close();
        flaky.close();
        steady.close();
    }

    @Test
    void aMemberWhoseHealthCheckFailsIsTakenOutAndComesBackWhenItPasses() throws Exception {
        AtomicInteger health = new AtomicInteger(200);
        Http http = startWithFlakyHealthPage("ok2 {%{REQUEST_STATUS} =~ /^2/}", () -> health.get(), () -> "health");
        // Within hcinterval × hcfails (1 s) plus one check's time, the member is out; back after hcpasses.
        assertTakenOutAndBroughtBack(http, () -> health.set(503), () -> health.set(200));
    }

    @Test
    void anExpressionOnTheBodyTakesAMemberOutWhileItsPageSaysSo() throws Exception {
        AtomicReference<String> page = new AtomicReference<>("all systems go");
        Http http = startWithFlakyHealthPage("in_maint {hc('body') !~ /Under maintenance/}", () -> 200, page::get);
        assertTakenOutAndBroughtBack(http, () -> page.set("<h1>Under maintenance</h1>"), () -> page.set("back"));
    }

    /**
     * A check's answer may take as long as the check's timeout (the member's timeout, at most
     * hcinterval), whatever the member's ttl, which is for connections idle in the pool: a health page
     * that answers in 1.5 s keeps a member with ttl=1 and hcinterval=3 in.
     */
    @Test
    void aHealthCheckSlowerThanTheTtlButWithinTheTimeoutPasses() throws Exception {
        AtomicInteger answered = new AtomicInteger();
        CountDownLatch never = new CountDownLatch(1);
        flaky = TestBackend.start("flaky", "127.0.0.2");
        flaky.on("/health", exchange -> {
            try {
                // The member's latency, not the test waiting: nothing counts this down.
                never.await(1500, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            answered.incrementAndGet();
            flaky.reply(exchange, 200, "ok");
        });
        steady = TestBackend.start("steady", "127.0.0.3");
        proxy = Proxies.start("<Proxy balancer://c>\n"
                + "  BalancerMember " + flaky.url() + " ttl=1 timeout=10 hcmethod=GET hcuri=/health hcinterval=3\n"
                + "  BalancerMember " + steady.url() + "\n"
                + "</Proxy>\nProxyPass /app balancer://c/app\n");
        Http http = new Http(proxy.uri());
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> answered.get() >= 1);
        assertEquals(Set.of("flaky", "steady"), servedBy(http, 4), "the member stayed in");
    }

    /**
     * A balancer of "flaky", checked every second with GET /health judged by the expression, and
     * "steady", not checked; the health page answers what the suppliers say at the time.
     */
    private Http startWithFlakyHealthPage(String namedExpression, IntSupplier status, Supplier<String> body)
            throws Exception {
        String name = namedExpression.substring(0, namedExpression.indexOf(' '));
        flaky = TestBackend.start("flaky", "127.0.0.2");
        flaky.on("/health", exchange -> flaky.reply(exchange, status.getAsInt(), body.get()));
        steady = TestBackend.start("steady", "127.0.0.3");
        proxy = Proxies.start("ProxyHCExpr " + namedExpression + "\n"
                + "<Proxy balancer://c>\n"
                + "  BalancerMember " + flaky.url() + " hcmethod=GET hcuri=/health hcinterval=1 hcfails=1 hcpasses=1 hcexpr=" + name + "\n"
                + "  BalancerMember " + steady.url() + "\n"
                + "</Proxy>\nProxyPass /app balancer://c/app\n");
        Http http = new Http(proxy.uri());
        assertEquals(Set.of("flaky", "steady"), servedBy(http, 4));
        return http;
    }

    private static void assertTakenOutAndBroughtBack(Http http, Runnable fail, Runnable recover) throws Exception {
        fail.run();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                .until(() -> servedBy(http, 4).equals(Set.of("steady")));
        assertEquals(Set.of("steady"), servedBy(http, 10), "it stays out while its checks fail");
        recover.run();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                .until(() -> servedBy(http, 4).contains("flaky"));
    }

    private static Set<String> servedBy(Http http, int requests) throws Exception {
        Set<String> served = new HashSet<>();
        for (int i = 0; i < requests; i++) {
            served.add(http.get("/app/page").body());
        }
        return served;
    }
}
