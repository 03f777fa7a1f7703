package dev.affinity.proxy.server;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.affinity.proxy.testing.Http;
import dev.affinity.proxy.testing.Proxies;
import dev.affinity.proxy.testing.TestBackend;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
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
        flaky = TestBackend.start("flaky", "127.0.0.2");
        flaky.on("/health", exchange -> flaky.reply(exchange, health.get(), "health"));
        steady = TestBackend.start("steady", "127.0.0.3");
        proxy = Proxies.start("ProxyHCExpr ok2 {%{REQUEST_STATUS} =~ /^2/}\n"
                + "<Proxy balancer://c>\n"
                + "  BalancerMember " + flaky.url() + " hcmethod=GET hcuri=/health hcinterval=1 hcfails=1 hcpasses=1 hcexpr=ok2\n"
                + "  BalancerMember " + steady.url() + "\n"
                + "</Proxy>\nProxyPass /app balancer://c/app\n");
        Http http = new Http(proxy.uri());
        assertEquals(Set.of("flaky", "steady"), servedBy(http, 4));

        health.set(503);
        // Within hcinterval × hcfails (1 s) plus one check's time, the member is out.
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                .until(() -> servedBy(http, 4).equals(Set.of("steady")));
        assertEquals(Set.of("steady"), servedBy(http, 10), "it stays out while its checks fail");

        health.set(200);
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                .until(() -> servedBy(http, 4).contains("flaky"));
    }

    @Test
    void anExpressionOnTheBodyTakesAMemberOutWhileItsPageSaysSo() throws Exception {
        AtomicReference<String> page = new AtomicReference<>("all systems go");
        flaky = TestBackend.start("flaky", "127.0.0.2");
        flaky.on("/health", exchange -> flaky.reply(exchange, 200, page.get()));
        steady = TestBackend.start("steady", "127.0.0.3");
        proxy = Proxies.start("ProxyHCExpr in_maint {hc('body') !~ /Under maintenance/}\n"
                + "<Proxy balancer://c>\n"
                + "  BalancerMember " + flaky.url() + " hcmethod=GET hcuri=/health hcinterval=1 hcfails=1 hcpasses=1 hcexpr=in_maint\n"
                + "  BalancerMember " + steady.url() + "\n"
                + "</Proxy>\nProxyPass /app balancer://c/app\n");
        Http http = new Http(proxy.uri());
        assertEquals(Set.of("flaky", "steady"), servedBy(http, 4));

        page.set("<h1>Under maintenance</h1>");
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                .until(() -> servedBy(http, 4).equals(Set.of("steady")));
        assertEquals(Set.of("steady"), servedBy(http, 10), "it stays out while its page says so");

        page.set("back");
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
