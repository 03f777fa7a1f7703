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
 * An operator drops affinity-backend-filter.jar into $CATALINA_BASE/lib once, and every application
 * of that Tomcat 11 issues the route cookie without carrying the jar itself: one metadata-complete,
 * one not.
 */
class ContainerLibInstallIT {

    @Test
    void oneJarInTheContainerLibPinsClientsOfEveryApplication() throws Exception {
        WebApp a = WebApp.servlet60("a").withMetadataComplete();
        WebApp b = WebApp.servlet60("b");
        try (StandaloneTomcat tomcat = StandaloneTomcat.of(TOMCAT_11, "container-lib")
                .systemProperty("balancer.route", "node1")
                .containerLib(JAKARTA_FILTER_JAR.path())
                .webapp(a)
                .webapp(b)
                .start()) {

            for (WebApp app : List.of(a, b)) {
                HttpResponse<String> firstVisit = tomcat.get("/" + app.name() + "/");
                assertEquals(200, firstVisit.statusCode(), app.name());
                assertEquals(app.page(), firstVisit.body(), app.name());
                assertEquals(List.of(RouteCookie.setCookieFor("node1")), RouteCookie.issued(firstVisit), app.name());

                HttpResponse<String> pinnedHere = tomcat.getWithCookie("/" + app.name() + "/", RouteCookie.pinnedTo("node1"));
                assertEquals(List.of(), RouteCookie.issued(pinnedHere), app.name());

                assertTrue(tomcat.logLineWith("INFO", "/" + app.name() + ":", "BALANCEID=balancer.node1", "balancer.route")
                        .isPresent(), tomcat::log);
            }
        }
    }
}
