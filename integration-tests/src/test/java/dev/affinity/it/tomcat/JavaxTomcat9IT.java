package dev.affinity.it.tomcat;

import static dev.affinity.it.standalone.Installation.JAKARTA_FILTER_JAR;
import static dev.affinity.it.standalone.Installation.JAVAX_FILTER_JAR;
import static dev.affinity.it.standalone.Installation.TOMCAT_9;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.affinity.it.standalone.RouteCookie;
import dev.affinity.it.standalone.WebApp;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Tomcat 9, the last javax.servlet Tomcat: the javax twin of the jar works in a metadata-complete
 * Servlet 4.0 application, and the jakarta jar dropped there by mistake is inert rather than fatal.
 */
class JavaxTomcat9IT {

    @Test
    void theJavaxJarInWebInfLibPinsClientsOfAMetadataCompleteServlet40Application() throws Exception {
        WebApp legacy = WebApp.servlet40("legacy").withMetadataComplete().withLib(JAVAX_FILTER_JAR.path());
        try (StandaloneTomcat tomcat = StandaloneTomcat.of(TOMCAT_9, "tomcat9-javax-jar")
                .systemProperty("balancer.route", "node9")
                .webapp(legacy)
                .start()) {

            HttpResponse<String> firstVisit = tomcat.get("/legacy/");
            assertEquals(200, firstVisit.statusCode());
            assertEquals(legacy.page(), firstVisit.body());
            assertEquals(List.of(RouteCookie.setCookieFor("node9")), RouteCookie.issued(firstVisit));

            HttpResponse<String> pinnedHere = tomcat.getWithCookie("/legacy/", RouteCookie.pinnedTo("node9"));
            assertEquals(200, pinnedHere.statusCode());
            assertEquals(List.of(), RouteCookie.issued(pinnedHere));

            HttpResponse<String> failedOverFromNode1 = tomcat.getWithCookie("/legacy/", RouteCookie.pinnedTo("node1"));
            assertEquals(List.of(RouteCookie.setCookieFor("node9")), RouteCookie.issued(failedOverFromNode1));
        }
    }

    @Test
    void theJakartaJarInAJavaxApplicationThatIsScannedForAnnotationsDoesNotBreakIt() throws Exception {
        WebApp mixed = WebApp.servlet40("mixed").withLib(JAKARTA_FILTER_JAR.path());
        try (StandaloneTomcat tomcat = StandaloneTomcat.of(TOMCAT_9, "tomcat9-jakarta-jar")
                .systemProperty("balancer.route", "node9")
                .webapp(mixed)
                .start()) {

            HttpResponse<String> visit = tomcat.get("/mixed/");
            assertEquals(200, visit.statusCode());
            assertEquals(mixed.page(), visit.body());
            assertEquals(List.of(), RouteCookie.issued(visit));

            String log = tomcat.log();
            assertFalse(log.contains("NoClassDefFoundError"), log);
            assertFalse(log.contains("SEVERE"), log);
            assertFalse(log.contains("Context [/mixed] startup failed"), log);
        }
    }
}
