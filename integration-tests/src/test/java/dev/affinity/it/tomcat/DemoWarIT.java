package dev.affinity.it.tomcat;

import static dev.affinity.it.standalone.Installation.DEMO_WAR;
import static dev.affinity.it.standalone.Installation.TOMCAT_11;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.affinity.it.standalone.RouteCookie;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The demo's WAR on a standalone Tomcat 11, deployed by copying it into webapps/: its pages come up
 * and the Affinity filter inside it (WEB-INF/lib holds only the filter jar) pins clients to the node.
 */
class DemoWarIT {

    @Test
    void theDemoWarDeploysOnAStandaloneTomcatAndIssuesItsRoute() throws Exception {
        try (StandaloneTomcat tomcat = StandaloneTomcat.of(TOMCAT_11, "demo-war")
                .systemProperty("balancer.route", "tomcat1")
                .war("ROOT.war", DEMO_WAR.path())
                .start()) {

            HttpResponse<String> whoami = tomcat.get("/api/whoami");
            assertEquals(200, whoami.statusCode(), tomcat::log);
            assertTrue(whoami.body().startsWith("{\"node\":\"tomcat1\""), whoami.body());
            assertEquals(List.of(RouteCookie.setCookieFor("tomcat1")), RouteCookie.issued(whoami));

            HttpResponse<String> home = tomcat.get("/");
            assertEquals(200, home.statusCode());
            assertTrue(home.body().contains("<span class=\"node\" id=\"node\">tomcat1</span>"), home.body());
        }
    }

    @Test
    void aRouteFromServerXmlsJvmRouteIsTheNameThePageShows() throws Exception {
        try (StandaloneTomcat tomcat = StandaloneTomcat.of(TOMCAT_11, "demo-war-jvm-route")
                .jvmRoute("tc9")
                .war("ROOT.war", DEMO_WAR.path())
                .start()) {

            HttpResponse<String> home = tomcat.get("/");
            assertEquals(List.of(RouteCookie.setCookieFor("tc9")), RouteCookie.issued(home));
            assertTrue(home.body().contains("<span class=\"node\" id=\"node\">tc9</span>"), home.body());
        }
    }
}
