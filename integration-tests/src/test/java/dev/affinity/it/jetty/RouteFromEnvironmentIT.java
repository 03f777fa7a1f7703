package dev.affinity.it.jetty;

import static dev.affinity.it.standalone.Installation.JAKARTA_FILTER_JAR;
import static dev.affinity.it.standalone.Installation.JETTY_12;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.affinity.it.standalone.RouteCookie;
import dev.affinity.it.standalone.WebApp;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A container platform gives each standalone Jetty 12 its route as {@code BALANCER_ROUTE} in the
 * environment, with no {@code -D} option: the filter in an exploded application's WEB-INF/lib
 * issues that route and says where it found it.
 */
class RouteFromEnvironmentIT {

    @Test
    void theRouteFromBalancerRoutePinsNewAndFailedOverClients() throws Exception {
        WebApp shop = WebApp.servlet60("shop").withLib(JAKARTA_FILTER_JAR.path());
        try (StandaloneJetty jetty = StandaloneJetty.of(JETTY_12, "route-from-environment")
                .modules("http", "ee10-deploy", "ee10-annotations")
                .environment("BALANCER_ROUTE", "node3")
                .webapp(shop)
                .start()) {

            HttpResponse<String> firstVisit = jetty.get("/shop/");
            assertEquals(200, firstVisit.statusCode(), jetty::log);
            assertEquals(shop.page(), firstVisit.body());
            assertEquals(List.of(RouteCookie.setCookieFor("node3")), RouteCookie.issued(firstVisit));

            HttpResponse<String> pinnedHere = jetty.getWithCookie("/shop/", RouteCookie.pinnedTo("node3"));
            assertEquals(List.of(), RouteCookie.issued(pinnedHere));

            HttpResponse<String> failedOverFromNode1 = jetty.getWithCookie("/shop/", RouteCookie.pinnedTo("node1"));
            assertEquals(List.of(RouteCookie.setCookieFor("node3")), RouteCookie.issued(failedOverFromNode1));

            assertTrue(jetty.logLineWith("INFO", "/shop:", "BALANCEID=balancer.node3", "environment variable BALANCER_ROUTE")
                    .isPresent(), jetty::log);
        }
    }
}
