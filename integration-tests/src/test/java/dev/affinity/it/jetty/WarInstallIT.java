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
 * An operator drops affinity-backend-filter.jar into WEB-INF/lib of a WAR and deploys it on a
 * standalone Jetty 12 in the ee10 environment. The WAR's web.xml is metadata-complete and never
 * mentions the filter; the jar's ServletContainerInitializer registers it, provided Jetty runs
 * ServletContainerInitializers at all, which takes the ee10-annotations module.
 */
class WarInstallIT {

    private static final WebApp SHOP = WebApp.servlet60("shop").withMetadataComplete().withLib(JAKARTA_FILTER_JAR.path());

    @Test
    void theRouteFromTheSystemPropertyPinsNewAndFailedOverClientsButNotPinnedOnes() throws Exception {
        try (StandaloneJetty jetty = StandaloneJetty.of(JETTY_12, "war-system-property")
                .modules("http", "ee10-deploy", "ee10-annotations")
                .systemProperty("balancer.route", "node1")
                .war(SHOP)
                .start()) {

            HttpResponse<String> firstVisit = jetty.get("/shop/");
            assertEquals(200, firstVisit.statusCode(), jetty::log);
            assertEquals(SHOP.page(), firstVisit.body());
            assertEquals(List.of(RouteCookie.setCookieFor("node1")), RouteCookie.issued(firstVisit));

            HttpResponse<String> pinnedHere = jetty.getWithCookie("/shop/", RouteCookie.pinnedTo("node1"));
            assertEquals(200, pinnedHere.statusCode());
            assertEquals(List.of(), RouteCookie.issued(pinnedHere));

            HttpResponse<String> failedOverFromNode2 = jetty.getWithCookie("/shop/", RouteCookie.pinnedTo("node2"));
            assertEquals(200, failedOverFromNode2.statusCode());
            assertEquals(List.of(RouteCookie.setCookieFor("node1")), RouteCookie.issued(failedOverFromNode2));

            assertTrue(jetty.logLineWith("INFO", "/shop:", "BALANCEID=balancer.node1", "system property balancer.route")
                    .isPresent(), jetty::log);
        }
    }

    /** Why the README names ee10-annotations: with only http and ee10-deploy the jar is silently inert. */
    @Test
    void withoutTheEe10AnnotationsModuleJettyRunsNoServletContainerInitializerAndIssuesNoCookie() throws Exception {
        try (StandaloneJetty jetty = StandaloneJetty.of(JETTY_12, "war-without-annotations")
                .modules("http", "ee10-deploy")
                .systemProperty("balancer.route", "node1")
                .war(SHOP)
                .start()) {

            HttpResponse<String> firstVisit = jetty.get("/shop/");
            assertEquals(200, firstVisit.statusCode(), jetty::log);
            assertEquals(SHOP.page(), firstVisit.body());
            assertEquals(List.of(), RouteCookie.issued(firstVisit));
            assertTrue(jetty.logLineWith("Affinity").isEmpty(), jetty::log);
        }
    }
}
