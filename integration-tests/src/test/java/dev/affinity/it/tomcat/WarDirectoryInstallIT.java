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
 * An operator drops affinity-backend-filter.jar into WEB-INF/lib of an application deployed as a
 * directory in a standalone Tomcat 11. The application's web.xml is metadata-complete and never
 * mentions the filter; the jar's ServletContainerInitializer registers it all the same.
 */
class WarDirectoryInstallIT {

    private static final WebApp SHOP = WebApp.servlet60("shop").withMetadataComplete().withLib(JAKARTA_FILTER_JAR.path());

    @Test
    void theRouteFromTheSystemPropertyPinsNewAndFailedOverClientsButNotPinnedOnes() throws Exception {
        try (StandaloneTomcat tomcat = StandaloneTomcat.of(TOMCAT_11, "war-directory-system-property")
                .systemProperty("balancer.route", "node1")
                .webapp(SHOP)
                .start()) {

            HttpResponse<String> firstVisit = tomcat.get("/shop/");
            assertEquals(200, firstVisit.statusCode());
            assertEquals(SHOP.page(), firstVisit.body());
            assertEquals(List.of(RouteCookie.setCookieFor("node1")), RouteCookie.issued(firstVisit));

            HttpResponse<String> pinnedHere = tomcat.getWithCookie("/shop/", RouteCookie.pinnedTo("node1"));
            assertEquals(200, pinnedHere.statusCode());
            assertEquals(List.of(), RouteCookie.issued(pinnedHere));

            HttpResponse<String> failedOverFromNode2 = tomcat.getWithCookie("/shop/", RouteCookie.pinnedTo("node2"));
            assertEquals(200, failedOverFromNode2.statusCode());
            assertEquals(List.of(RouteCookie.setCookieFor("node1")), RouteCookie.issued(failedOverFromNode2));
        }
    }

    @Test
    void withoutASystemPropertyTheRouteIsTheEnginesJvmRouteFromServerXml() throws Exception {
        try (StandaloneTomcat tomcat = StandaloneTomcat.of(TOMCAT_11, "war-directory-jvm-route")
                .jvmRoute("tc7")
                .webapp(SHOP)
                .start()) {

            HttpResponse<String> firstVisit = tomcat.get("/shop/");
            assertEquals(200, firstVisit.statusCode());
            assertEquals(List.of(RouteCookie.setCookieFor("tc7")), RouteCookie.issued(firstVisit));
            assertTrue(tomcat.logLineWith("INFO", "/shop", "BALANCEID=balancer.tc7", "jvmRoute").isPresent(), tomcat::log);
        }
    }
}
