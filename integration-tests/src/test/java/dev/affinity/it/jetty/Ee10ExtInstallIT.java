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
 * An operator drops affinity-backend-filter.jar once into $JETTY_BASE/lib/ee10/ext, which the
 * ee10-ext module puts on the class path of the ee10 environment, and every ee10 application of
 * that Jetty 12 issues the route cookie without carrying the jar itself: one metadata-complete, one
 * not.
 */
class Ee10ExtInstallIT {

    @Test
    void oneJarInLibEe10ExtPinsClientsOfEveryApplication() throws Exception {
        WebApp a = WebApp.servlet60("a").withMetadataComplete();
        WebApp b = WebApp.servlet60("b");
        try (StandaloneJetty jetty = StandaloneJetty.of(JETTY_12, "ee10-ext")
                .modules("http", "ee10-deploy", "ee10-annotations", "ee10-ext")
                .systemProperty("balancer.route", "node1")
                .ee10Ext(JAKARTA_FILTER_JAR.path())
                .webapp(a)
                .webapp(b)
                .start()) {

            for (WebApp app : List.of(a, b)) {
                HttpResponse<String> firstVisit = jetty.get("/" + app.name() + "/");
                assertEquals(200, firstVisit.statusCode(), app.name());
                assertEquals(app.page(), firstVisit.body(), app.name());
                assertEquals(List.of(RouteCookie.setCookieFor("node1")), RouteCookie.issued(firstVisit), app.name());

                HttpResponse<String> pinnedHere = jetty.getWithCookie("/" + app.name() + "/", RouteCookie.pinnedTo("node1"));
                assertEquals(List.of(), RouteCookie.issued(pinnedHere), app.name());

                assertTrue(jetty.logLineWith("INFO", "/" + app.name() + ":", "BALANCEID=balancer.node1", "balancer.route")
                        .isPresent(), jetty::log);
            }
        }
    }
}
