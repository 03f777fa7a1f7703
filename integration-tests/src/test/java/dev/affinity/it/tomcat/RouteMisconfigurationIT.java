package dev.affinity.it.tomcat;

import static dev.affinity.it.standalone.Installation.JAKARTA_FILTER_JAR;
import static dev.affinity.it.standalone.Installation.TOMCAT_11;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.affinity.it.standalone.RouteCookie;
import dev.affinity.it.standalone.WebApp;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What an operator sees in a standalone Tomcat 11 when the route is wrong or missing: a bad route
 * stops the application that carries the filter, with the reason in the log (fail fast at startup);
 * a missing route keeps it serving, unsticky, with one WARNING saying how to set one.
 */
class RouteMisconfigurationIT {

    private static final WebApp SHOP = WebApp.servlet60("shop").withMetadataComplete().withLib(JAKARTA_FILTER_JAR.path());
    /** An application without the filter in the same Tomcat, which a bad route must leave alone. */
    private static final WebApp PLAIN = WebApp.servlet60("plain");

    @Test
    void aRouteWithADotStopsTheApplicationAndTheLogSaysWhy() throws Exception {
        try (StandaloneTomcat tomcat = StandaloneTomcat.of(TOMCAT_11, "bad-route")
                .systemProperty("balancer.route", "bad.route")
                .webapp(SHOP)
                .webapp(PLAIN)
                .start()) {

            int shop = tomcat.get("/shop/").statusCode();
            assertTrue(shop == 404 || shop == 503, () -> "GET /shop/ answered " + shop + " (expected: 404 or 503)");
            assertEquals(200, tomcat.get("/plain/").statusCode());

            tomcat.awaitLog("Context [/shop] startup failed due to previous errors");
            tomcat.awaitLog("'bad.route'");
            assertTrue(tomcat.logLineWith("Affinity balancer filter", "'bad.route'", "balancer.route").isPresent(),
                    tomcat::log);
        }
    }

    @Test
    void noRouteAnywhereServesWithoutTheCookieAndWarnsOnce() throws Exception {
        try (StandaloneTomcat tomcat = StandaloneTomcat.of(TOMCAT_11, "missing-route")
                .webapp(SHOP)
                .start()) {

            for (int visit = 1; visit <= 3; visit++) {
                HttpResponse<String> response = tomcat.get("/shop/");
                assertEquals(200, response.statusCode());
                assertEquals(SHOP.page(), response.body());
                assertEquals(List.of(), RouteCookie.issued(response));
            }

            // stdout, not log(): there each record is once, where log() also has the catalina log file's copy
            List<String> warnings = tomcat.stdout().lines()
                    .filter(line -> line.contains("WARNING") && line.contains("balancer.route"))
                    .toList();
            assertEquals(1, warnings.size(), tomcat::log);
            assertTrue(warnings.get(0).contains("/shop") && warnings.get(0).contains("Affinity"), warnings.get(0));
        }
    }
}
